/**
 * The routes of an API Gateway REST API, read from the template (`AWS::ApiGateway::RestApi`,
 * `Resource`, `Method`, `Stage`), and API Gateway's way of choosing one for a request path:
 * literal segments before `{param}`, `{param}` before `{proxy+}`, and a method before `ANY`.
 */
import { resourcesOfType, type CfnTemplate } from './template';

export type ApiIntegration =
  | { type: 'lambda-proxy'; functionArn: string }
  | { type: 'mock'; statusCode: number; headers: Record<string, string>; body?: string }
  | { type: 'unsupported'; description: string };

export interface ApiMethod {
  httpMethod: string;
  authorizationType: string;
  integration: ApiIntegration;
}

export interface ApiResource {
  /** `/orders/{orderId}/timeline` */
  path: string;
  resourceId: string;
  methods: Map<string, ApiMethod>;
}

export interface ApiRouteTable {
  apiLogicalId: string;
  apiId: string;
  stageName: string;
  resources: ApiResource[];
}

export type Resolve = (value: unknown) => unknown;

/**
 * One route table per REST API of the template. `resolve` resolves intrinsics with the runtime's
 * local values (the API's id and root resource id, resource ids, function ARNs).
 */
export function buildRouteTables(template: CfnTemplate, resolve: Resolve): ApiRouteTable[] {
  const resources = Object.entries(template.Resources);
  return resources
    .filter(([, resource]) => resource.Type === 'AWS::ApiGateway::RestApi')
    .map(([apiLogicalId]) => {
      const apiId = String(resolve({ Ref: apiLogicalId }));
      const rootId = String(resolve({ 'Fn::GetAtt': [apiLogicalId, 'RootResourceId'] }));
      const belongs = (properties: Record<string, unknown>) => resolve(properties.RestApiId) === apiId;

      const parents = new Map<string, { parentId: string; pathPart: string }>();
      for (const [logicalId, resource] of resources) {
        const properties = resource.Properties ?? {};
        if (resource.Type !== 'AWS::ApiGateway::Resource' || !belongs(properties)) continue;
        parents.set(String(resolve({ Ref: logicalId })), {
          parentId: String(resolve(properties.ParentId)),
          pathPart: String(properties.PathPart),
        });
      }
      const pathOf = (resourceId: string, seen = new Set<string>()): string => {
        if (resourceId === rootId) return '/';
        const entry = parents.get(resourceId);
        if (entry === undefined || seen.has(resourceId)) throw new Error(`API ${apiLogicalId}: unknown resource ${resourceId}`);
        seen.add(resourceId);
        const parentPath = pathOf(entry.parentId, seen);
        return `${parentPath === '/' ? '' : parentPath}/${entry.pathPart}`;
      };

      const byId = new Map<string, ApiResource>();
      const resourceFor = (resourceId: string) => {
        let apiResource = byId.get(resourceId);
        if (apiResource === undefined) {
          apiResource = { path: pathOf(resourceId), resourceId, methods: new Map() };
          byId.set(resourceId, apiResource);
        }
        return apiResource;
      };
      for (const [, resource] of resources) {
        const properties = resource.Properties ?? {};
        if (resource.Type !== 'AWS::ApiGateway::Method' || !belongs(properties)) continue;
        const httpMethod = String(properties.HttpMethod).toUpperCase();
        resourceFor(String(resolve(properties.ResourceId))).methods.set(httpMethod, {
          httpMethod,
          authorizationType: String(properties.AuthorizationType ?? 'NONE'),
          integration: integrationOf(properties.Integration as Record<string, unknown> | undefined, resolve),
        });
      }

      return {
        apiLogicalId,
        apiId,
        stageName: stageNameOf(template, apiId, resolve),
        resources: [...byId.values()],
      };
    });
}

function integrationOf(integration: Record<string, unknown> | undefined, resolve: Resolve): ApiIntegration {
  const type = String(integration?.Type ?? 'NONE');
  if (type === 'AWS_PROXY') {
    const uri = String(resolve(integration?.Uri));
    // arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<function ARN>/invocations
    const functionArn = /\/functions\/(.+)\/invocations$/.exec(uri)?.[1];
    if (functionArn !== undefined && functionArn.includes(':lambda:')) return { type: 'lambda-proxy', functionArn };
    return { type: 'unsupported', description: `AWS_PROXY integration ${uri}` };
  }
  if (type === 'MOCK') {
    const responses = (integration?.IntegrationResponses as Array<Record<string, unknown>> | undefined) ?? [];
    const response = responses[0] ?? {};
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries((resolve(response.ResponseParameters) as Record<string, unknown>) ?? {})) {
      const header = /^method\.response\.header\.(.+)$/.exec(name)?.[1];
      if (header !== undefined) headers[header] = String(value).replace(/^'(.*)'$/, '$1');
    }
    const templates = response.ResponseTemplates as Record<string, unknown> | undefined;
    const body = templates?.['application/json'];
    return { type: 'mock', statusCode: Number(response.StatusCode ?? 200), headers, ...(typeof body === 'string' ? { body } : {}) };
  }
  return { type: 'unsupported', description: `${type} integration` };
}

/** The API's stage: a Stage's `StageName`, else a Deployment's, else `prod`. */
function stageNameOf(template: CfnTemplate, apiId: string, resolve: Resolve): string {
  for (const type of ['AWS::ApiGateway::Stage', 'AWS::ApiGateway::Deployment']) {
    for (const [, resource] of resourcesOfType(template, type)) {
      const properties = resource.Properties ?? {};
      if (resolve(properties.RestApiId) === apiId && typeof properties.StageName === 'string') return properties.StageName;
    }
  }
  return 'prod';
}

export interface RouteMatch {
  resource: ApiResource;
  /** undefined: the path exists but has no such method (API Gateway answers as for an unknown path). */
  method?: ApiMethod;
  pathParameters: Record<string, string>;
}

type SegmentKind = 2 | 1 | 0; // literal, {param}, {proxy+}

/** The resource API Gateway would choose for `path` (already without query string), or undefined. */
export function matchRoute(table: ApiRouteTable, httpMethod: string, path: string): RouteMatch | undefined {
  const segments = path.split('/').filter((segment) => segment !== '');
  let best: { resource: ApiResource; score: SegmentKind[]; pathParameters: Record<string, string> } | undefined;
  for (const resource of table.resources) {
    const matched = matchResourcePath(resource.path, segments);
    if (matched === undefined) continue;
    if (best === undefined || compareScores(matched.score, best.score) > 0) best = { resource, ...matched };
  }
  if (best === undefined) return undefined;
  const method = best.resource.methods.get(httpMethod.toUpperCase()) ?? best.resource.methods.get('ANY');
  return { resource: best.resource, pathParameters: best.pathParameters, ...(method ? { method } : {}) };
}

function matchResourcePath(resourcePath: string, segments: string[]): { score: SegmentKind[]; pathParameters: Record<string, string> } | undefined {
  const parts = resourcePath.split('/').filter((part) => part !== '');
  const score: SegmentKind[] = [];
  const pathParameters: Record<string, string> = {};
  for (let index = 0; index < parts.length; index += 1) {
    const part = parts[index]!;
    const greedy = /^\{(.+)\+\}$/.exec(part);
    if (greedy) {
      if (index !== parts.length - 1 || segments.length <= index) return undefined;
      pathParameters[greedy[1]!] = segments.slice(index).map(decode).join('/');
      score.push(0);
      return { score, pathParameters };
    }
    const segment = segments[index];
    if (segment === undefined) return undefined;
    const parameter = /^\{(.+)\}$/.exec(part);
    if (parameter) {
      pathParameters[parameter[1]!] = decode(segment);
      score.push(1);
    } else if (part === decode(segment)) {
      score.push(2);
    } else {
      return undefined;
    }
  }
  return segments.length === parts.length ? { score, pathParameters } : undefined;
}

function compareScores(left: SegmentKind[], right: SegmentKind[]): number {
  for (let index = 0; index < Math.max(left.length, right.length); index += 1) {
    const difference = (left[index] ?? -1) - (right[index] ?? -1);
    if (difference !== 0) return difference;
  }
  return 0;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
