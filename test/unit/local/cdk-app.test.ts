import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { appInvocation, CdkAppError, stackFromAssembly } from '../../../local/cdk-app';

const folders: string[] = [];
afterAll(() => folders.forEach((folder) => rmSync(folder, { recursive: true, force: true })));

/** A folder holding the given files (JSON values are written as JSON). */
function folderWith(files: Record<string, unknown>): string {
  const folder = mkdtempSync(path.join(tmpdir(), 'dualwrite-cdk-app-'));
  folders.push(folder);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(folder, name)), { recursive: true });
    writeFileSync(path.join(folder, name), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return folder;
}

const stackArtifact = (stackName: string, displayName = stackName) => ({
  type: 'aws:cloudformation:stack',
  displayName,
  properties: { templateFile: `${displayName}.template.json`, stackName },
});

describe('the app command and context dualwrite-local passes, as the CDK CLI would', () => {
  it("takes cdk.json's app and context, cdk.context.json over it, and turns asset metadata on", () => {
    const projectRoot = folderWith({
      'cdk.json': { app: 'npx tsx bin/app.ts', context: { flag: 'from cdk.json', kept: 1 } },
      'cdk.context.json': { flag: 'from cdk.context.json' },
    });
    expect(appInvocation({ projectRoot })).toEqual({
      command: 'npx tsx bin/app.ts',
      context: { flag: 'from cdk.context.json', kept: 1, 'aws:cdk:enable-asset-metadata': true },
    });
  });

  it('prefers --app over cdk.json', () => {
    const projectRoot = folderWith({ 'cdk.json': { app: 'node app.js' } });
    expect(appInvocation({ projectRoot, appCommand: 'node other.js' }).command).toBe('node other.js');
  });

  it('refuses a folder with no cdk.json and no --app, saying what to do', () => {
    const projectRoot = folderWith({});
    expect(() => appInvocation({ projectRoot })).toThrow(CdkAppError);
    expect(() => appInvocation({ projectRoot })).toThrow(/there is no cdk\.json in .*--app "<command>"/);
  });

  it('refuses a cdk.json without an app command', () => {
    const projectRoot = folderWith({ 'cdk.json': { context: {} } });
    expect(() => appInvocation({ projectRoot })).toThrow(/has no "app" command/);
  });
});

describe('the stack dualwrite-local runs, read from the cloud assembly', () => {
  const template = { Resources: { Table: { Type: 'AWS::DynamoDB::Table' } } };

  it("is the app's only stack, with its stack name and template", () => {
    const assembly = folderWith({
      'manifest.json': { artifacts: { Shop: stackArtifact('shop-dev', 'Shop'), Tree: { type: 'cdk:tree' } } },
      'Shop.template.json': template,
    });
    expect(stackFromAssembly(assembly)).toEqual({ stackName: 'shop-dev', template, assemblyDirectory: assembly });
  });

  it('is the one --stack names, by stack name or construct path, when there are several', () => {
    const assembly = folderWith({
      'manifest.json': { artifacts: { A: stackArtifact('a-dev', 'A'), B: stackArtifact('b-dev', 'B') } },
      'A.template.json': { Resources: {} },
      'B.template.json': template,
    });
    expect(stackFromAssembly(assembly, 'b-dev').template).toEqual(template);
    expect(stackFromAssembly(assembly, 'B').stackName).toBe('b-dev');
    expect(() => stackFromAssembly(assembly)).toThrow('the app has 2 stacks (a-dev, b-dev); name the one to run with --stack <name>');
    expect(() => stackFromAssembly(assembly, 'c-dev')).toThrow('the app has no stack c-dev (its stacks: a-dev, b-dev)');
  });

  it('is refused when the stacks are inside stages', () => {
    const assembly = folderWith({ 'manifest.json': { artifacts: { 'assembly-Prod': { type: 'cdk:cloud-assembly' } } } });
    expect(() => stackFromAssembly(assembly)).toThrow('the app has no stack at its top level (stages assembly-Prod are not run locally)');
  });

  it('is refused when the app wrote no assembly', () => {
    expect(() => stackFromAssembly(folderWith({}))).toThrow(/wrote no cloud assembly/);
  });
});
