import { describe, expect, it } from '@jest/globals';
import { notEmulatedMessage, resourcesNotEmulated } from '../../../local/emulation-check';
import type { CfnTemplate } from '../../../local/template';

const template = (resources: CfnTemplate['Resources']): CfnTemplate => ({ Resources: resources });

describe('resources the local runtime cannot emulate', () => {
  it('finds none in a template of tables, queues, buses, rules, Node.js functions and a REST API', () => {
    expect(
      resourcesNotEmulated(
        template({
          Table: { Type: 'AWS::DynamoDB::Table' },
          Queue: { Type: 'AWS::SQS::Queue' },
          Bus: { Type: 'AWS::Events::EventBus' },
          Rule: { Type: 'AWS::Events::Rule' },
          Handler: { Type: 'AWS::Lambda::Function', Properties: { Runtime: 'nodejs22.x' } },
          Api: { Type: 'AWS::ApiGateway::RestApi' },
        }),
      ),
    ).toEqual([]);
  });

  it('names a Python function, a container image function and a function without a runtime', () => {
    const found = resourcesNotEmulated(
      template({
        Python: { Type: 'AWS::Lambda::Function', Properties: { Runtime: 'python3.13' } },
        Image: { Type: 'AWS::Lambda::Function', Properties: { PackageType: 'Image' } },
        NoRuntime: { Type: 'AWS::Lambda::Function', Properties: {} },
      }),
    );
    expect(found.map((resource) => [resource.logicalId, resource.reason])).toEqual([
      ['Python', 'runtime python3.13; only Node.js functions (nodejs*) run locally'],
      ['Image', 'a container image function; only Node.js functions from a code asset run locally'],
      ['NoRuntime', 'runtime no Runtime; only Node.js functions (nodejs*) run locally'],
    ]);
  });

  it('names every resource of an unknown type, custom resources included', () => {
    const found = resourcesNotEmulated(
      template({ Topic: { Type: 'AWS::SNS::Topic' }, Seed: { Type: 'Custom::SeedData' }, Table: { Type: 'AWS::DynamoDB::Table' } }),
    );
    expect(found.map((resource) => `${resource.logicalId} ${resource.type}`)).toEqual(['Topic AWS::SNS::Topic', 'Seed Custom::SeedData']);
  });

  it('says which stack, how many and each one, in one message', () => {
    const message = notEmulatedMessage('Shop', [
      { logicalId: 'Python', type: 'AWS::Lambda::Function', reason: 'runtime python3.13; only Node.js functions (nodejs*) run locally' },
      { logicalId: 'Topic', type: 'AWS::SNS::Topic', reason: 'a resource type the local runtime does not emulate' },
    ]);
    expect(message).toContain('The stack Shop holds 2 resource(s) the local runtime cannot emulate');
    expect(message).toContain('  - Python (AWS::Lambda::Function): runtime python3.13');
    expect(message).toContain('  - Topic (AWS::SNS::Topic): a resource type the local runtime does not emulate');
  });
});
