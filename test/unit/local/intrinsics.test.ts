import { describe, expect, it } from '@jest/globals';

import {
  conditionHolds,
  IntrinsicResolutionError,
  referencedLogicalIds,
  resolveIntrinsics,
  type IntrinsicScope,
} from '../../../local/intrinsics';

const resources: Record<string, { ref: string; attributes: Record<string, unknown> }> = {
  Table: { ref: 'Dualwrite-Table', attributes: { Arn: 'arn:aws:dynamodb:us-east-1:123456789012:table/Dualwrite-Table', StreamArn: 'arn:stream' } },
  Queue: { ref: 'http://127.0.0.1:4566/123456789012/q', attributes: { Arn: 'arn:aws:sqs:us-east-1:123456789012:q', QueueName: 'q' } },
};

const scope: IntrinsicScope = {
  pseudo: {
    region: 'us-east-1',
    accountId: '123456789012',
    partition: 'aws',
    urlSuffix: 'amazonaws.com',
    stackName: 'Dualwrite',
    stackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/Dualwrite/local',
  },
  ref: (id) => {
    const resource = resources[id];
    if (!resource) throw new IntrinsicResolutionError(`unknown ${id}`);
    return resource.ref;
  },
  getAtt: (id, attribute) => resources[id]?.attributes[attribute],
  template: {
    Parameters: { BootstrapVersion: { Type: 'String', Default: '/cdk-bootstrap/version' } },
    Mappings: { Regions: { 'us-east-1': { Short: 'use1' } } },
    Conditions: { IsUsEast1: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'us-east-1'] }, NotUsEast1: { 'Fn::Not': [{ Condition: 'IsUsEast1' }] } },
  },
};

const resolve = (value: unknown) => resolveIntrinsics(value, scope);

describe('intrinsic functions resolved to local values', () => {
  it('resolves Ref of resources, parameters and pseudo parameters', () => {
    expect(resolve({ Ref: 'Table' })).toBe('Dualwrite-Table');
    expect(resolve({ Ref: 'BootstrapVersion' })).toBe('/cdk-bootstrap/version');
    expect(resolve([{ Ref: 'AWS::Region' }, { Ref: 'AWS::AccountId' }, { Ref: 'AWS::Partition' }, { Ref: 'AWS::URLSuffix' }, { Ref: 'AWS::StackName' }])).toEqual([
      'us-east-1',
      '123456789012',
      'aws',
      'amazonaws.com',
      'Dualwrite',
    ]);
  });

  it('resolves Fn::GetAtt in list and dotted form', () => {
    expect(resolve({ 'Fn::GetAtt': ['Table', 'StreamArn'] })).toBe('arn:stream');
    expect(resolve({ 'Fn::GetAtt': 'Queue.QueueName' })).toBe('q');
  });

  it('resolves Fn::Join, Fn::Select and Fn::Split', () => {
    expect(resolve({ 'Fn::Join': ['', ['https://', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]] })).toBe('https://us-east-1.amazonaws.com');
    expect(resolve({ 'Fn::Select': [5, { 'Fn::Split': [':', { 'Fn::GetAtt': ['Table', 'Arn'] }] }] })).toBe('table/Dualwrite-Table');
    expect(() => resolve({ 'Fn::Select': [3, ['a']] })).toThrow(IntrinsicResolutionError);
  });

  it('resolves Fn::Sub with pseudo parameters, Refs, attributes, variables and escapes', () => {
    expect(resolve({ 'Fn::Sub': 'arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/${AWS::StackName}-events' })).toBe(
      'arn:aws:events:us-east-1:123456789012:event-bus/Dualwrite-events',
    );
    expect(resolve({ 'Fn::Sub': '${Table}|${Queue.Arn}' })).toBe('Dualwrite-Table|arn:aws:sqs:us-east-1:123456789012:q');
    expect(resolve({ 'Fn::Sub': ['${Name}-x ${!Literal}', { Name: { Ref: 'Table' } }] })).toBe('Dualwrite-Table-x ${Literal}');
  });

  it('drops AWS::NoValue from objects and lists', () => {
    expect(resolve({ A: 1, B: { Ref: 'AWS::NoValue' }, C: [1, { Ref: 'AWS::NoValue' }, 2] })).toEqual({ A: 1, C: [1, 2] });
  });

  it('evaluates conditions, Fn::If and Fn::FindInMap', () => {
    expect(conditionHolds('IsUsEast1', scope)).toBe(true);
    expect(conditionHolds('NotUsEast1', scope)).toBe(false);
    expect(conditionHolds(undefined, scope)).toBe(true);
    expect(resolve({ 'Fn::If': ['IsUsEast1', 'yes', 'no'] })).toBe('yes');
    expect(resolve({ 'Fn::FindInMap': ['Regions', { Ref: 'AWS::Region' }, 'Short'] })).toBe('use1');
  });

  it('leaves plain values as they are, deeply', () => {
    const value = { Properties: { BatchSize: 100, FilterCriteria: { Filters: [{ Pattern: '{"a":["b"]}' }] }, Enabled: true } };
    expect(resolve(value)).toEqual(value);
  });

  it('reports unknown references and unsupported functions', () => {
    expect(() => resolve({ Ref: 'Nope' })).toThrow(/unknown Nope/);
    expect(() => resolve({ 'Fn::ImportValue': 'x' })).toThrow(/not supported locally/);
  });

  it('lists the logical ids a value depends on', () => {
    const value = {
      A: { Ref: 'Table' },
      B: { 'Fn::GetAtt': ['Queue', 'Arn'] },
      C: { 'Fn::Sub': ['${Bus}-${AWS::Region}-${Var}-${Role.Arn}-${!Skip}', { Var: { Ref: 'Param' } }] },
      D: { Ref: 'BootstrapVersion' },
    };
    expect([...referencedLogicalIds(value, scope.template)].sort()).toEqual(['Bus', 'Param', 'Queue', 'Role', 'Table']);
  });
});
