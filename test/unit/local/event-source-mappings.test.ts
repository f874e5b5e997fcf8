import { describe, expect, it } from '@jest/globals';

import { InvalidEventFilterError, refuseInvalidFilterCriteria } from '../../../local/event-source-mappings';
import type { CfnTemplate } from '../../../local/template';

/** A template as CDK synthesizes it: one function fed by a stream mapping with these filters. */
function templateWithFilters(patterns: unknown[], functionName?: string): CfnTemplate {
  return {
    Resources: {
      RelayFunction: { Type: 'AWS::Lambda::Function', Properties: { Handler: 'index.handler', ...(functionName ? { FunctionName: functionName } : {}) } },
      RelayStreamMapping: {
        Type: 'AWS::Lambda::EventSourceMapping',
        Properties: {
          FunctionName: { Ref: 'RelayFunction' },
          EventSourceArn: { 'Fn::GetAtt': ['Table', 'StreamArn'] },
          FilterCriteria: { Filters: patterns.map((pattern) => ({ Pattern: JSON.stringify(pattern) })) },
        },
      },
    },
  };
}

function refusalOf(template: CfnTemplate): InvalidEventFilterError | undefined {
  try {
    refuseInvalidFilterCriteria(template);
  } catch (error) {
    if (error instanceof InvalidEventFilterError) return error;
    throw error;
  }
  return undefined;
}

describe('refusing, at startup, the filter patterns AWS refuses', () => {
  it('lets valid patterns through', () => {
    const template = templateWithFilters([{ eventName: ['INSERT'], dynamodb: { Keys: { sk: { S: [{ prefix: 'OUTBOX#' }] } } } }]);
    expect(refusalOf(template)).toBeUndefined();
  });

  it('names the function, the mapping, the filter, the field and the offending rule', () => {
    const template = templateWithFilters([{ eventName: ['INSERT'] }, { dynamodb: { NewImage: { status: { S: [{ 'anything-but': { exists: true } }] } } } }], 'orders-relay');
    const refusal = refusalOf(template);
    expect(refusal?.refusals).toHaveLength(1);
    const message = refusal!.refusals[0]!;
    expect(message).toContain('function RelayFunction (orders-relay)');
    expect(message).toContain('event source mapping RelayStreamMapping');
    expect(message).toContain('Filters[1] dynamodb.NewImage.status.S');
    expect(message).toContain('offending rule {"anything-but":{"exists":true}}');
  });

  it('lists every mapping it refuses, not only the first', () => {
    const template = templateWithFilters([{ a: [] }]);
    template.Resources.OtherMapping = {
      Type: 'AWS::Lambda::EventSourceMapping',
      Properties: { FunctionName: 'plain-name', FilterCriteria: { Filters: [{ Pattern: '{"b": [{"wildcard": "x**"}]}' }] } },
    };
    const refusal = refusalOf(template);
    expect(refusal?.refusals).toHaveLength(2);
    expect(refusal!.message).toMatch(/RelayStreamMapping.*empty lists are not allowed/);
    expect(refusal!.message).toMatch(/function plain-name, event source mapping OtherMapping.*consecutive wildcard/);
  });

  it('leaves criteria built with intrinsics to the check after they are resolved', () => {
    const template = templateWithFilters([]);
    template.Resources.RelayStreamMapping!.Properties!.FilterCriteria = { Filters: [{ Pattern: { 'Fn::Sub': '{"a": ["${AWS::Region}"]}' } }] };
    expect(refusalOf(template)).toBeUndefined();
  });
});
