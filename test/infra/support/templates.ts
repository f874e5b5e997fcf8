import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** Skips esbuild: NodejsFunction still checks the entry exists, the asset becomes a placeholder. */
export const SKIP_BUNDLING = { 'aws:cdk:bundling-stacks': [] as string[] };

export const FIXTURE_ENTRY = path.join(__dirname, '..', 'fixtures', 'handler.ts');

export function newTestStack(): Stack {
  return new Stack(new App({ context: SKIP_BUNDLING }), 'Test');
}

/** A construct's props under test: given as is, or built in the test's stack (for the resources they name). */
export type PropsIn<P> = Partial<P> | ((stack: Stack) => Partial<P>);

export const resolveProps = <P>(stack: Stack, props: PropsIn<P>): Partial<P> => (typeof props === 'function' ? props(stack) : props);

/** Logical id of a construct's CloudFormation resource, read from the construct, never hard-coded. */
export function logicalIdOf(construct: IConstruct): string {
  const resource = (construct.node.defaultChild ?? construct) as CfnElement;
  return Stack.of(construct).getLogicalId(resource);
}

export const ref = (construct: IConstruct) => ({ Ref: logicalIdOf(construct) });
export const arnOf = (construct: IConstruct) => ({ 'Fn::GetAtt': [logicalIdOf(construct), 'Arn'] });

export interface PolicyStatement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource?: unknown;
}

/** Every statement of every identity policy in the template: policies, roles' inline and managed policies. */
export function identityPolicyStatements(template: Template): PolicyStatement[] {
  const statements: PolicyStatement[] = [];
  const documents: Array<{ Statement: PolicyStatement[] }> = [];
  for (const resource of Object.values(template.findResources('AWS::IAM::Policy'))) documents.push(resource.Properties.PolicyDocument);
  for (const resource of Object.values(template.findResources('AWS::IAM::ManagedPolicy'))) documents.push(resource.Properties.PolicyDocument);
  for (const resource of Object.values(template.findResources('AWS::IAM::Role'))) {
    for (const policy of resource.Properties.Policies ?? []) documents.push(policy.PolicyDocument);
  }
  for (const document of documents) statements.push(...document.Statement);
  return statements;
}

export const asList = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** Allow statements of the identity policies attached to the role of `fn` (a lambda.Function). */
export function statementsOfRole(template: Template, roleLogicalId: string): PolicyStatement[] {
  const statements: PolicyStatement[] = [];
  for (const resource of Object.values(template.findResources('AWS::IAM::Policy'))) {
    const roles: unknown[] = resource.Properties.Roles ?? [];
    if (roles.some((role) => JSON.stringify(role) === JSON.stringify({ Ref: roleLogicalId }))) {
      statements.push(...resource.Properties.PolicyDocument.Statement);
    }
  }
  return statements;
}

/** The statements of a role that allow `action`. */
export function statementsAllowing(template: Template, roleLogicalId: string, action: string): PolicyStatement[] {
  return statementsOfRole(template, roleLogicalId).filter(
    (statement) => statement.Effect === 'Allow' && asList(statement.Action).includes(action),
  );
}

/**
 * What a role may do, from every identity policy attached to it (AWS::IAM::Policy resources naming
 * it and its inline policies): action → the resources it is allowed on, in template form.
 * Managed policies are listed apart (`managedPolicyArns`), since they hold no statements here.
 */
export function permissionsOfRole(template: Template, roleLogicalId: string): Record<string, unknown[]> {
  const role = template.findResources('AWS::IAM::Role')[roleLogicalId];
  if (role === undefined) throw new Error(`no role ${roleLogicalId} in the template`);
  const statements = [...statementsOfRole(template, roleLogicalId)];
  for (const policy of role.Properties.Policies ?? []) statements.push(...policy.PolicyDocument.Statement);
  const permissions: Record<string, unknown[]> = {};
  for (const statement of statements) {
    if (statement.Effect !== 'Allow') continue;
    for (const action of asList(statement.Action)) {
      permissions[action] = [...(permissions[action] ?? []), ...asList(statement.Resource)];
    }
  }
  return permissions;
}

export function managedPolicyArnsOfRole(template: Template, roleLogicalId: string): unknown[] {
  return template.findResources('AWS::IAM::Role')[roleLogicalId]?.Properties.ManagedPolicyArns ?? [];
}

/** The alarm resource of an alarm construct. */
export function alarmProperties(template: Template, alarm: IConstruct): Record<string, any> {
  return template.findResources('AWS::CloudWatch::Alarm')[logicalIdOf(alarm)].Properties;
}
