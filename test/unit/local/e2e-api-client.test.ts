import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { apiClient } from '../../e2e/support/api';

// The end-to-end tests' API client, against a stand-in server that records what it receives.
const received: Array<{ method?: string; url?: string; headers: IncomingHttpHeaders; body: string }> = [];
const server = createServer((request, response) => {
  let body = '';
  request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
  request.on('end', () => {
    received.push({ method: request.method, url: request.url, headers: request.headers, body });
    response.writeHead(201, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
});
let baseUrl: string;
const savedEnvironment = { ...process.env };

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/prod/`;
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: 'token' });
});
afterAll(async () => {
  process.env = savedEnvironment;
  await new Promise((resolve) => server.close(resolve));
});

describe('the end-to-end API client', () => {
  it('signs requests with SigV4 for execute-api when the outputs are a deployed stack', async () => {
    const api = apiClient({ ApiUrl: baseUrl, Region: 'eu-west-1' });
    const response = await api.request('POST', '/orders?x=1', { customerId: 'c1' });

    expect(response).toMatchObject({ status: 201, body: { ok: true } });
    const request = received.at(-1)!;
    expect(request).toMatchObject({ method: 'POST', url: '/prod/orders?x=1', body: '{"customerId":"c1"}' });
    expect(request.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$/,
    );
    expect(request.headers['x-amz-security-token']).toBe('token');
    expect(request.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
  });

  it('sends plain requests to the local runtime (outputs with AwsEndpointUrl)', async () => {
    const api = apiClient({ ApiUrl: baseUrl, AwsEndpointUrl: 'http://127.0.0.1:4566', Region: 'us-east-1' });
    await api.request('GET', '/orders/o1/timeline');
    const request = received.at(-1)!;
    expect(request).toMatchObject({ method: 'GET', url: '/prod/orders/o1/timeline' });
    expect(request.headers.authorization).toBeUndefined();
  });
});
