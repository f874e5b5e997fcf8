/**
 * The inspector's HTTP surface without an emulator: an empty template means no AWS call is made, so
 * what is tested here is what the server itself decides (assets, loopback guards, bad input).
 */
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { inspectorPortChoice, startInspector, type RunningInspector } from '../../../../local/inspector/inspector';
import { silentLog } from '../../../../local/log';
import type { ProvisionedResources } from '../../../../local/resources';

const unreachable = { endpoint: 'http://127.0.0.1:9', region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
const dynamodb = new DynamoDBClient(unreachable);
const sqs = new SQSClient(unreachable);
let inspector: RunningInspector;
let port: number;

/** An inspector of a template with no resource: it never calls AWS. */
function startEmptyInspector(listen: { port: number; anyPortIfTaken?: boolean }): Promise<RunningInspector> {
  const provisioned: ProvisionedResources = {
    resources: new Map(),
    scope: { pseudo: { region: 'us-east-1', accountId: '1', partition: 'aws', urlSuffix: 'amazonaws.com', stackName: 'S', stackId: 's' }, ref: String, getAtt: String },
    resolve: (value) => value,
  };
  return startInspector({
    ...listen,
    template: { Resources: {} },
    provisioned,
    dynamodb,
    sqs,
    outputsFile: path.join(tmpdir(), 'no-such-dualwrite-outputs.json'),
    stackName: 'S',
    log: silentLog,
  });
}

beforeAll(async () => {
  inspector = await startEmptyInspector({ port: 0 });
  port = Number(new URL(inspector.url).port);
});

afterAll(async () => {
  await inspector.stop();
  dynamodb.destroy();
  sqs.destroy();
});

function call(method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const sent = request({ host: '127.0.0.1', port, method, path, headers: { host: `127.0.0.1:${port}`, ...headers } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text }));
    });
    sent.on('error', reject);
    sent.end(body);
  });
}

describe('the inspector server', () => {
  it('listens on 127.0.0.1 only', () => {
    expect(inspector.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it('serves its page and assets from itself, with a policy that forbids loading anything from elsewhere', async () => {
    const page = await call('GET', '/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toMatch(/default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'/);
    const referenced = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!);
    expect(referenced.sort()).toEqual(['/inspector.css', '/inspector.js']);
    for (const asset of ['/inspector.js', '/inspector.css']) {
      const answer = await call('GET', asset);
      expect(answer.status).toBe(200);
      expect(answer.body).not.toMatch(/https?:\/\//);
    }
  });

  it('lists events and reports health as JSON', async () => {
    const events = await call('GET', '/api/events?aggregateId=x');
    expect(events.status).toBe(200);
    expect(JSON.parse(events.body)).toEqual({ events: [] });
    const health = JSON.parse((await call('GET', '/api/health')).body) as { queues: unknown[]; failed: { count: number; alarming: boolean } };
    expect(health.queues).toEqual([]);
    expect(health.failed).toEqual({ count: 0, alarming: false });
    expect((await call('GET', '/api/events/no-such-event')).status).toBe(404);
  });

  it('refuses a request for another host name (DNS rebinding) and one from another origin (a page elsewhere)', async () => {
    expect((await call('GET', '/api/events', { host: 'attacker.example:80' })).status).toBe(403);
    const crossSite = await call('POST', '/api/redrive', { origin: 'http://attacker.example', 'content-type': 'application/json' }, '{"target":"FAILED"}');
    expect(crossSite.status).toBe(403);
    expect((await call('GET', '/', { host: `localhost:${port}` })).status).toBe(200);
  });

  it('answers a redrive it cannot do with a clear error and runs nothing', async () => {
    const notJson = await call('POST', '/api/redrive', { 'content-type': 'text/plain' }, 'target=FAILED');
    expect(notJson.status).toBe(415);
    const unknown = await call('POST', '/api/redrive', { 'content-type': 'application/json' }, '{"target":"SomeOtherQueue"}');
    expect(unknown.status).toBe(400);
    expect(JSON.parse(unknown.body).message).toMatch(/nothing to redrive for "SomeOtherQueue"/);
    const broken = await call('POST', '/api/redrive', { 'content-type': 'application/json' }, '{not json');
    expect(broken.status).toBe(400);
    expect((await call('GET', '/api/redrive')).status).toBe(405);
  });
});

describe('a taken port', () => {
  it('fails the start when it was chosen, and gives way to a free port when it was only the default', async () => {
    await expect(startEmptyInspector({ port })).rejects.toMatchObject({
      code: 'EADDRINUSE',
      message: `port ${port} on 127.0.0.1 is already in use, so the inspector cannot listen there; choose another with INSPECTOR_PORT=<port>`,
    });
    const elsewhere = await startEmptyInspector({ port, anyPortIfTaken: true });
    try {
      expect(elsewhere.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      expect(elsewhere.url).not.toBe(inspector.url);
    } finally {
      await elsewhere.stop();
    }
  });
});

describe('inspectorPortChoice', () => {
  it('takes the port given, else INSPECTOR_PORT, else the API port + 1, which alone may give way to a free port', () => {
    expect(inspectorPortChoice(4000, '5000', 3000)).toEqual({ port: 4000, anyPortIfTaken: false });
    expect(inspectorPortChoice(undefined, '5000', 3000)).toEqual({ port: 5000, anyPortIfTaken: false });
    expect(inspectorPortChoice(undefined, ' ', 3000)).toEqual({ port: 3001, anyPortIfTaken: true });
    expect(inspectorPortChoice(undefined, undefined, 0)).toEqual({ port: 0, anyPortIfTaken: false });
  });

  it('refuses an INSPECTOR_PORT that is not a port number', () => {
    expect(() => inspectorPortChoice(undefined, 'abc', 3000)).toThrow('INSPECTOR_PORT=abc is not a port number (0-65535)');
    expect(() => inspectorPortChoice(undefined, '70000', 3000)).toThrow(/not a port number/);
  });
});
