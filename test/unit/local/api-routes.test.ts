import { describe, expect, it } from '@jest/globals';

import { toApiGatewayProxyEvent } from '../../../local/api-gateway';
import { buildRouteTables, matchRoute, type ApiRouteTable } from '../../../local/api-routes';
import { IntrinsicResolutionError, resolveIntrinsics, type IntrinsicScope } from '../../../local/intrinsics';
import type { CfnTemplate } from '../../../local/template';

const functionArn = 'arn:aws:lambda:us-east-1:123456789012:function:Api';
const lambdaUri = {
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':apigateway:', { Ref: 'AWS::Region' }, ':lambda:path/2015-03-31/functions/', { 'Fn::GetAtt': ['Fn', 'Arn'] }, '/invocations']],
};
const resource = (id: string, parent: unknown, pathPart: string) => ({
  [id]: { Type: 'AWS::ApiGateway::Resource', Properties: { ParentId: parent, PathPart: pathPart, RestApiId: { Ref: 'Api' } } },
});
const method = (id: string, resourceRef: unknown, httpMethod: string) => ({
  [id]: {
    Type: 'AWS::ApiGateway::Method',
    Properties: {
      HttpMethod: httpMethod,
      AuthorizationType: 'AWS_IAM',
      ResourceId: resourceRef,
      RestApiId: { Ref: 'Api' },
      Integration: { Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST', Uri: lambdaUri },
    },
  },
});
const root = { 'Fn::GetAtt': ['Api', 'RootResourceId'] };

// The shape CDK's RestApi synthesizes: resources chained by ParentId, methods pointing at them.
const template: CfnTemplate = {
  Resources: {
    Api: { Type: 'AWS::ApiGateway::RestApi', Properties: { Name: 'api' } },
    Fn: { Type: 'AWS::Lambda::Function', Properties: {} },
    ...resource('Orders', root, 'orders'),
    ...resource('OrderId', { Ref: 'Orders' }, '{orderId}'),
    ...resource('Timeline', { Ref: 'OrderId' }, 'timeline'),
    ...resource('Special', { Ref: 'Orders' }, 'special'),
    ...resource('Proxy', root, '{proxy+}'),
    ...method('OrdersPost', { Ref: 'Orders' }, 'POST'),
    ...method('OrderGet', { Ref: 'OrderId' }, 'GET'),
    ...method('TimelineGet', { Ref: 'Timeline' }, 'GET'),
    ...method('SpecialGet', { Ref: 'Special' }, 'GET'),
    ...method('ProxyAny', { Ref: 'Proxy' }, 'ANY'),
    ...method('RootGet', root, 'GET'),
    Stage: { Type: 'AWS::ApiGateway::Stage', Properties: { RestApiId: { Ref: 'Api' }, StageName: 'prod' } },
  },
};

const localValues: Record<string, { ref: string; attributes: Record<string, string> }> = {
  Api: { ref: 'apiid12345', attributes: { RootResourceId: 'rootid' } },
  Fn: { ref: 'Api', attributes: { Arn: functionArn } },
  Orders: { ref: 'r-orders', attributes: {} },
  OrderId: { ref: 'r-orderid', attributes: {} },
  Timeline: { ref: 'r-timeline', attributes: {} },
  Special: { ref: 'r-special', attributes: {} },
  Proxy: { ref: 'r-proxy', attributes: {} },
};
const scope: IntrinsicScope = {
  pseudo: { region: 'us-east-1', accountId: '123456789012', partition: 'aws', urlSuffix: 'amazonaws.com', stackName: 'S', stackId: 'x' },
  ref: (id) => localValues[id]?.ref ?? (() => { throw new IntrinsicResolutionError(id); })(),
  getAtt: (id, attribute) => localValues[id]?.attributes[attribute],
};
const [routes] = buildRouteTables(template, (value) => resolveIntrinsics(value, scope)) as [ApiRouteTable];

describe('API Gateway routes from the template', () => {
  it('builds resource paths, methods, integrations and the stage', () => {
    expect(routes.apiId).toBe('apiid12345');
    expect(routes.stageName).toBe('prod');
    expect(routes.resources.map((r) => r.path).sort()).toEqual(['/', '/orders', '/orders/special', '/orders/{orderId}', '/orders/{orderId}/timeline', '/{proxy+}']);
    const timeline = routes.resources.find((r) => r.path === '/orders/{orderId}/timeline')!;
    expect(timeline.methods.get('GET')).toEqual({ httpMethod: 'GET', authorizationType: 'AWS_IAM', integration: { type: 'lambda-proxy', functionArn } });
  });

  it('matches a path parameter', () => {
    const match = matchRoute(routes, 'GET', '/orders/01ABC/timeline');
    expect(match?.resource.path).toBe('/orders/{orderId}/timeline');
    expect(match?.pathParameters).toEqual({ orderId: '01ABC' });
    expect(match?.method?.httpMethod).toBe('GET');
  });

  it('prefers a literal segment to a parameter, and a parameter to a greedy proxy', () => {
    expect(matchRoute(routes, 'GET', '/orders/special')?.resource.path).toBe('/orders/special');
    expect(matchRoute(routes, 'GET', '/orders/other')?.resource.path).toBe('/orders/{orderId}');
    expect(matchRoute(routes, 'GET', '/orders/1/timeline/extra')?.resource.path).toBe('/{proxy+}');
  });

  it('passes a greedy proxy everything below it, and ANY answers every method', () => {
    const match = matchRoute(routes, 'DELETE', '/a/b/c');
    expect(match?.resource.path).toBe('/{proxy+}');
    expect(match?.pathParameters).toEqual({ proxy: 'a/b/c' });
    expect(match?.method?.httpMethod).toBe('ANY');
  });

  it('decodes path parameters and ignores a trailing slash', () => {
    expect(matchRoute(routes, 'GET', '/orders/a%20b/')?.pathParameters).toEqual({ orderId: 'a b' });
  });

  it('matches the root resource', () => {
    expect(matchRoute(routes, 'GET', '/')?.resource.path).toBe('/');
  });

  it('finds the resource but no method for a method the path does not have', () => {
    const match = matchRoute(routes, 'DELETE', '/orders');
    expect(match?.resource.path).toBe('/orders');
    expect(match?.method).toBeUndefined();
  });

  it('finds nothing for a path no resource covers', () => {
    const withoutProxy: ApiRouteTable = { ...routes, resources: routes.resources.filter((r) => r.path !== '/{proxy+}') };
    expect(matchRoute(withoutProxy, 'GET', '/nope')).toBeUndefined();
  });
});

describe('the API Gateway proxy event of a request', () => {
  it('has the REST API (v1) shape Lambda proxy integrations receive', () => {
    const match = matchRoute(routes, 'POST', '/orders')!;
    const requestTime = new Date('2026-11-27T10:00:00.000Z');
    const event = toApiGatewayProxyEvent({
      request: {
        method: 'POST',
        httpVersion: '1.1',
        rawHeaders: ['Host', '127.0.0.1:3000', 'Content-Type', 'application/json', 'X-Multi', 'a', 'X-Multi', 'b', 'User-Agent', 'curl/8'],
        socket: { remoteAddress: '::ffff:127.0.0.1', localPort: 3000 },
      },
      url: new URL('http://127.0.0.1:3000/orders?x=1&x=2&y=3'),
      body: Buffer.from('{"customerId":"c1"}'),
      match,
      routes,
      accountId: '123456789012',
      requestTime,
    });
    expect(event).toMatchObject({
      resource: '/orders',
      path: '/orders',
      httpMethod: 'POST',
      headers: { Host: '127.0.0.1:3000', 'Content-Type': 'application/json', 'X-Multi': 'b', 'X-Forwarded-For': '127.0.0.1' },
      multiValueHeaders: { 'X-Multi': ['a', 'b'], 'Content-Type': ['application/json'] },
      queryStringParameters: { x: '2', y: '3' },
      multiValueQueryStringParameters: { x: ['1', '2'], y: ['3'] },
      pathParameters: null,
      stageVariables: null,
      body: '{"customerId":"c1"}',
      isBase64Encoded: false,
      requestContext: {
        accountId: '123456789012',
        apiId: 'apiid12345',
        httpMethod: 'POST',
        path: '/prod/orders',
        stage: 'prod',
        resourcePath: '/orders',
        resourceId: 'r-orders',
        requestTimeEpoch: requestTime.getTime(),
        requestTime: '27/Nov/2026:10:00:00 +0000',
        identity: { sourceIp: '127.0.0.1', userAgent: 'curl/8' },
      },
    });
    expect(event.requestContext.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('has null query, path parameters and body when the request has none', () => {
    const match = matchRoute(routes, 'GET', '/orders/o1')!;
    const event = toApiGatewayProxyEvent({
      request: { method: 'GET', httpVersion: '1.1', rawHeaders: [], socket: {} },
      url: new URL('http://127.0.0.1:3000/orders/o1'),
      body: Buffer.alloc(0),
      match,
      routes,
      accountId: '123456789012',
      requestTime: new Date(),
    });
    expect(event.queryStringParameters).toBeNull();
    expect(event.multiValueQueryStringParameters).toBeNull();
    expect(event.body).toBeNull();
    expect(event.pathParameters).toEqual({ orderId: 'o1' });
  });
});
