/**
 * CloudFormation intrinsic functions, resolved to local values: what CloudFormation does at deploy
 * time, done here against the resources the local runtime created in the emulator.
 */
import type { CfnTemplate } from './template';

export interface PseudoParameters {
  region: string;
  accountId: string;
  partition: string;
  urlSuffix: string;
  stackName: string;
  stackId: string;
}

/** Where `Ref` and `Fn::GetAtt` of resources get their values. */
export interface IntrinsicScope {
  pseudo: PseudoParameters;
  /** `Ref` of a resource (parameters and pseudo parameters are handled here). */
  ref(logicalId: string): unknown;
  getAtt(logicalId: string, attribute: string): unknown;
  template?: Pick<CfnTemplate, 'Parameters' | 'Mappings' | 'Conditions'>;
}

export class IntrinsicResolutionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IntrinsicResolutionError';
  }
}

/** `Ref: AWS::NoValue`: removes the property (or list element) that holds it. */
const NO_VALUE = Symbol('AWS::NoValue');

export function pseudoParameter(name: string, pseudo: PseudoParameters): unknown {
  switch (name) {
    case 'AWS::Region':
      return pseudo.region;
    case 'AWS::AccountId':
      return pseudo.accountId;
    case 'AWS::Partition':
      return pseudo.partition;
    case 'AWS::URLSuffix':
      return pseudo.urlSuffix;
    case 'AWS::StackName':
      return pseudo.stackName;
    case 'AWS::StackId':
      return pseudo.stackId;
    case 'AWS::NoValue':
      return NO_VALUE;
    case 'AWS::NotificationARNs':
      return [];
    default:
      return undefined;
  }
}

/** Resolves every intrinsic function in `value` (deeply) and returns plain JSON. */
export function resolveIntrinsics(value: unknown, scope: IntrinsicScope): unknown {
  const resolved = resolve(value, scope);
  return resolved === NO_VALUE ? undefined : resolved;
}

function resolve(value: unknown, scope: IntrinsicScope): unknown {
  if (Array.isArray(value)) {
    return value.map((element) => resolve(element, scope)).filter((element) => element !== NO_VALUE);
  }
  if (value === null || typeof value !== 'object') return value;

  const entries = Object.entries(value);
  if (entries.length === 1) {
    const [key, argument] = entries[0]!;
    if (key === 'Ref' || key.startsWith('Fn::') || key === 'Condition') {
      return resolveFunction(key, argument, scope);
    }
  }
  const result: Record<string, unknown> = {};
  for (const [key, element] of entries) {
    const resolved = resolve(element, scope);
    if (resolved !== NO_VALUE) result[key] = resolved;
  }
  return result;
}

function resolveFunction(name: string, argument: unknown, scope: IntrinsicScope): unknown {
  switch (name) {
    case 'Ref':
      return resolveRef(expectString(resolve(argument, scope), 'Ref'), scope);
    case 'Fn::GetAtt': {
      const [logicalId, attribute] = getAttArguments(resolve(argument, scope));
      return scope.getAtt(logicalId, attribute);
    }
    case 'Fn::Join': {
      const [delimiter, list] = expectArray(argument, 'Fn::Join', 2);
      const elements = resolve(list, scope);
      if (!Array.isArray(elements)) throw new IntrinsicResolutionError('Fn::Join needs a list of values');
      return elements.map((element) => scalarToString(element, 'Fn::Join')).join(expectString(delimiter, 'Fn::Join'));
    }
    case 'Fn::Sub':
      return resolveSub(argument, scope);
    case 'Fn::Select': {
      const [index, list] = expectArray(argument, 'Fn::Select', 2);
      const elements = resolve(list, scope);
      const position = Number(resolve(index, scope));
      if (!Array.isArray(elements) || !Number.isInteger(position) || position < 0 || position >= elements.length) {
        throw new IntrinsicResolutionError(`Fn::Select index ${String(position)} is out of range`);
      }
      return elements[position];
    }
    case 'Fn::Split': {
      const [delimiter, source] = expectArray(argument, 'Fn::Split', 2);
      return expectString(resolve(source, scope), 'Fn::Split').split(expectString(delimiter, 'Fn::Split'));
    }
    case 'Fn::FindInMap': {
      const [mapName, topKey, secondKey] = expectArray(argument, 'Fn::FindInMap', 3).map((element) =>
        expectString(resolve(element, scope), 'Fn::FindInMap'),
      );
      const found = scope.template?.Mappings?.[mapName!]?.[topKey!]?.[secondKey!];
      if (found === undefined) throw new IntrinsicResolutionError(`Fn::FindInMap: ${mapName}.${topKey}.${secondKey} not found`);
      return found;
    }
    case 'Fn::GetAZs': {
      const region = resolve(argument, scope);
      const prefix = typeof region === 'string' && region !== '' ? region : scope.pseudo.region;
      return ['a', 'b', 'c'].map((zone) => `${prefix}${zone}`);
    }
    case 'Fn::Base64':
      return Buffer.from(expectString(resolve(argument, scope), 'Fn::Base64'), 'utf8').toString('base64');
    case 'Fn::If': {
      const [condition, whenTrue, whenFalse] = expectArray(argument, 'Fn::If', 3);
      return evaluateCondition(expectString(condition, 'Fn::If'), scope) ? resolve(whenTrue, scope) : resolve(whenFalse, scope);
    }
    case 'Condition':
      return evaluateCondition(expectString(argument, 'Condition'), scope);
    case 'Fn::Equals': {
      const [left, right] = expectArray(argument, 'Fn::Equals', 2).map((element) => resolve(element, scope));
      return JSON.stringify(left) === JSON.stringify(right);
    }
    case 'Fn::Not':
      return !truthy(expectArray(argument, 'Fn::Not', 1).map((element) => resolve(element, scope))[0]);
    case 'Fn::And':
      return expectArray(argument, 'Fn::And').every((element) => truthy(resolve(element, scope)));
    case 'Fn::Or':
      return expectArray(argument, 'Fn::Or').some((element) => truthy(resolve(element, scope)));
    case 'Fn::ToJsonString':
      return JSON.stringify(resolve(argument, scope));
    default:
      throw new IntrinsicResolutionError(`${name} is not supported locally`);
  }
}

function resolveRef(name: string, scope: IntrinsicScope): unknown {
  if (name.startsWith('AWS::')) {
    const value = pseudoParameter(name, scope.pseudo);
    if (value === undefined) throw new IntrinsicResolutionError(`unknown pseudo parameter ${name}`);
    return value;
  }
  const parameter = scope.template?.Parameters?.[name];
  if (parameter !== undefined) return parameter.Default;
  return scope.ref(name);
}

/** `Fn::Sub`: `${Name}` (parameter, pseudo parameter, resource Ref or variable), `${Id.Attr}`, `${!Literal}`. */
function resolveSub(argument: unknown, scope: IntrinsicScope): string {
  let template: string;
  let variables: Record<string, unknown> = {};
  if (typeof argument === 'string') {
    template = argument;
  } else {
    const [text, map] = expectArray(argument, 'Fn::Sub', 2);
    template = expectString(text, 'Fn::Sub');
    const resolvedMap = resolve(map, scope);
    if (resolvedMap === null || typeof resolvedMap !== 'object') throw new IntrinsicResolutionError('Fn::Sub variables must be a map');
    variables = resolvedMap as Record<string, unknown>;
  }
  return template.replace(/\$\{([^}]*)\}/g, (whole, expression: string) => {
    if (expression.startsWith('!')) return `\${${expression.slice(1)}}`;
    const name = expression.trim();
    if (name in variables) return scalarToString(variables[name], 'Fn::Sub');
    if (name.startsWith('AWS::')) return scalarToString(resolveRef(name, scope), 'Fn::Sub');
    const dot = name.indexOf('.');
    if (dot > 0) return scalarToString(scope.getAtt(name.slice(0, dot), name.slice(dot + 1)), 'Fn::Sub');
    if (name === '') throw new IntrinsicResolutionError(`Fn::Sub: empty variable in ${whole}`);
    return scalarToString(resolveRef(name, scope), 'Fn::Sub');
  });
}

function evaluateCondition(name: string, scope: IntrinsicScope): boolean {
  const definition = scope.template?.Conditions?.[name];
  if (definition === undefined) throw new IntrinsicResolutionError(`condition ${name} is not defined`);
  return truthy(resolve(definition, scope));
}

/** Whether a resource or output with this `Condition` exists; no condition means yes. */
export function conditionHolds(condition: string | undefined, scope: IntrinsicScope): boolean {
  return condition === undefined || evaluateCondition(condition, scope);
}

function truthy(value: unknown): boolean {
  return value === true || value === 'true';
}

function getAttArguments(argument: unknown): [string, string] {
  if (typeof argument === 'string') {
    const dot = argument.indexOf('.');
    if (dot <= 0) throw new IntrinsicResolutionError(`Fn::GetAtt "${argument}" is not of the form Id.Attribute`);
    return [argument.slice(0, dot), argument.slice(dot + 1)];
  }
  if (Array.isArray(argument) && argument.length === 2 && typeof argument[0] === 'string' && typeof argument[1] === 'string') {
    return [argument[0], argument[1]];
  }
  throw new IntrinsicResolutionError(`Fn::GetAtt needs [logicalId, attribute], got ${JSON.stringify(argument)}`);
}

function expectArray(value: unknown, fn: string, length?: number): unknown[] {
  if (!Array.isArray(value) || (length !== undefined && value.length !== length)) {
    throw new IntrinsicResolutionError(`${fn} needs a list${length !== undefined ? ` of ${length}` : ''}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function expectString(value: unknown, fn: string): string {
  if (typeof value !== 'string') throw new IntrinsicResolutionError(`${fn} needs a string, got ${JSON.stringify(value)}`);
  return value;
}

function scalarToString(value: unknown, fn: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new IntrinsicResolutionError(`${fn} needs text, got ${JSON.stringify(value)}`);
}

/**
 * The logical ids a value refers to through `Ref`, `Fn::GetAtt` and `Fn::Sub`: what must exist
 * before it can be resolved. Parameters and pseudo parameters are not included.
 */
export function referencedLogicalIds(value: unknown, template?: Pick<CfnTemplate, 'Parameters'>): Set<string> {
  const found = new Set<string>();
  const add = (name: string) => {
    if (!name.startsWith('AWS::') && template?.Parameters?.[name] === undefined) found.add(name);
  };
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    for (const [key, argument] of Object.entries(node)) {
      if (key === 'Ref' && typeof argument === 'string') {
        add(argument);
      } else if (key === 'Fn::GetAtt') {
        if (Array.isArray(argument) && typeof argument[0] === 'string') add(argument[0]);
        else if (typeof argument === 'string') add(argument.split('.')[0]!);
        else visit(argument);
      } else if (key === 'Fn::Sub') {
        const text = typeof argument === 'string' ? argument : Array.isArray(argument) ? argument[0] : undefined;
        const variables = Array.isArray(argument) && argument[1] !== null && typeof argument[1] === 'object' ? argument[1] : {};
        if (typeof text === 'string') {
          for (const match of text.matchAll(/\$\{([^}!][^}]*)\}/g)) {
            const name = match[1]!.trim();
            if (!(name in variables)) add(name.split('.')[0]!);
          }
        }
        if (Array.isArray(argument)) visit(argument[1]);
      } else {
        visit(argument);
      }
    }
  };
  visit(value);
  return found;
}
