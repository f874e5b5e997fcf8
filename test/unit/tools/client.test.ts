import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from '@jest/globals';

import type { PreparedRequest, RawResponse } from '../../../tools/client/api-client';
import { runClient } from '../../../tools/client/cli';
import { parseCommandLine, type ApiCall } from '../../../tools/client/commands';

const DEPLOYED_API = 'https://abc123defg.execute-api.eu-west-1.amazonaws.com/prod/';
const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const SIGNING_DATE = new Date('2026-11-27T10:00:00.000Z');

function requestOf(argv: string[]): ApiCall {
  const parsed = parseCommandLine(argv);
  if (parsed.kind !== 'request') throw new Error(`expected a request, got help:\n${parsed.text}`);
  return parsed.request;
}

function outputsFile(stacks: Record<string, Record<string, string>>): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'client-test-')), 'outputs.json');
  writeFileSync(file, JSON.stringify(stacks));
  return file;
}

/** Runs the CLI with a transport that records the request and answers `answer`. */
async function run(argv: string[], answer: Partial<RawResponse> = {}) {
  const sent: PreparedRequest[] = [];
  let stdout = '';
  let stderr = '';
  const code = await runClient(argv, {
    io: { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: (text: string) => (stderr += text) } },
    credentials: CREDENTIALS,
    signingDate: () => SIGNING_DATE,
    transport: async (request) => {
      sent.push(request);
      return { status: 200, headers: new Headers(), text: '{"ok":true}', ...answer };
    },
  });
  return { code, stdout, stderr, sent };
}

const localOutputs = () =>
  outputsFile({ Dualwrite: { ApiUrl: 'http://127.0.0.1:3999/', TableName: 't', AwsEndpointUrl: 'http://127.0.0.1:4599', Region: 'us-east-1' } });
const deployedOutputs = () => outputsFile({ Dualwrite: { ApiUrl: DEPLOYED_API, TableName: 't' } });

describe('client CLI: building requests (docs/design.md#http-api)', () => {
  it('orders create: POST /orders with the customer and one line per --item', () => {
    expect(requestOf(['orders', 'create', '--customer', 'c1', '--item', 'A:2:500', '--item=B:1:0'])).toEqual({
      method: 'POST',
      path: '/orders',
      body: {
        customerId: 'c1',
        items: [
          { sku: 'A', quantity: 2, unitPriceCents: 500 },
          { sku: 'B', quantity: 1, unitPriceCents: 0 },
        ],
      },
      headers: {},
    });
  });

  it('keeps colons inside a sku: the last two fields of --item are the numbers', () => {
    expect(requestOf(['orders', 'create', '--customer', 'c1', '--item', 'sku:with:colons:3:7']).body).toEqual({
      customerId: 'c1',
      items: [{ sku: 'sku:with:colons', quantity: 3, unitPriceCents: 7 }],
    });
  });

  it('percent-encodes ids as one path segment, whatever they hold', () => {
    expect(requestOf(['orders', 'get', 'a/b#c d?e%f']).path).toBe('/orders/a%2Fb%23c%20d%3Fe%25f');
    expect(requestOf(['orders', 'timeline', 'ORDER#x']).path).toBe('/orders/ORDER%23x/timeline');
    expect(requestOf(['payments', 'get', 'p/../1']).path).toBe('/payments/p%2F..%2F1');
    expect(requestOf(['customers', 'delete', 'ünï']).path).toBe('/customers/%C3%BCn%C3%AF');
    expect(requestOf(['customers', 'timeline', 'c1']).path).toBe('/customers/c1/timeline');
  });

  it('orders cancel: an empty body by default, reason and expectedVersion when given', () => {
    expect(requestOf(['orders', 'cancel', 'o1'])).toEqual({ method: 'POST', path: '/orders/o1/cancel', body: {}, headers: {} });
    expect(requestOf(['orders', 'cancel', 'o1', '--reason', 'too slow', '--expected-version', '2']).body).toEqual({
      reason: 'too slow',
      expectedVersion: 2,
    });
  });

  it('payments request and customers put/delete', () => {
    expect(requestOf(['payments', 'request', 'o1', '--amount', '1000'])).toEqual({
      method: 'POST',
      path: '/orders/o1/payments',
      body: { amountCents: 1000 },
      headers: {},
    });
    // a negative amount is the service's to refuse, not a usage error
    expect(requestOf(['payments', 'request', 'o1', '--amount', '-5']).body).toEqual({ amountCents: -5 });
    expect(requestOf(['customers', 'put', 'c1', '--name', 'Ada Lovelace', '--email', 'ada@example.com'])).toEqual({
      method: 'PUT',
      path: '/customers/c1',
      body: { name: 'Ada Lovelace', email: 'ada@example.com' },
      headers: {},
    });
    expect(requestOf(['customers', 'delete', 'c1'])).toEqual({ method: 'DELETE', path: '/customers/c1', headers: {} });
  });

  it('sends --idempotency-key and --correlation-id as headers; options may come anywhere', () => {
    expect(requestOf(['--idempotency-key', 'k-1', 'payments', 'request', 'o1', '--amount', '5', '--correlation-id', 'corr-1']).headers).toEqual({
      'idempotency-key': 'k-1',
      'x-correlation-id': 'corr-1',
    });
    expect(requestOf(['orders', 'cancel', 'o1', '--idempotency-key=k2']).headers).toEqual({ 'idempotency-key': 'k2' });
  });

  it('takes the outputs file and the stack from --outputs and --stack, .local/outputs.json by default', () => {
    expect(parseCommandLine(['orders', 'get', 'o1'])).toMatchObject({ outputsFile: '.local/outputs.json' });
    expect(parseCommandLine(['orders', 'get', 'o1', '--outputs', 'cdk.json', '--stack', 'Dev'])).toMatchObject({
      outputsFile: 'cdk.json',
      stackName: 'Dev',
    });
  });

  it('an argument after -- is an id even when it looks like an option', () => {
    expect(requestOf(['orders', 'get', '--', '--weird']).path).toBe('/orders/--weird');
  });
});

describe('client CLI: help and usage errors', () => {
  it.each([
    [['--help'], /^Usage: npm run client -- <resource> <action>/],
    [[], undefined],
    [['help'], /^Usage: npm run client -- <resource> <action>/],
    [['orders', '--help'], /^Usage: npm run client -- orders <action>[\s\S]*orders cancel <orderId>/],
    [['-h', 'customers'], /^Usage: npm run client -- customers <action>/],
    [['orders', 'create', '--help'], /^Usage: npm run client -- orders create --customer <customerId> --item/],
    [['payments', 'request', 'o1', '-h'], /--amount <cents>[\s\S]*--idempotency-key <key>/],
  ])('%j prints help on stdout and exits 0 (no arguments: a usage error)', async (argv, pattern) => {
    const { code, stdout, stderr, sent } = await run(argv);
    expect(sent).toEqual([]);
    if (pattern === undefined) {
      expect(code).toBe(2);
      expect(stderr).toMatch(/^error: a resource is required/);
      return;
    }
    expect(code).toBe(0);
    expect(stdout).toMatch(pattern);
    expect(stderr).toBe('');
  });

  it('the top-level help names every command', async () => {
    const { stdout } = await run(['--help']);
    for (const command of [
      'orders create', 'orders get', 'orders cancel', 'orders timeline', 'payments request', 'payments get',
      'customers put', 'customers delete', 'customers timeline',
    ]) {
      expect(stdout).toContain(`  ${command}`);
    }
  });

  it.each([
    [['invoices', 'get', 'x'], /unknown resource "invoices"/],
    [['orders'], /an action is required: orders create \| get \| cancel \| timeline/],
    [['orders', 'delete', 'o1'], /unknown action "orders delete"/],
    [['orders', 'get'], /orders get needs <orderId>/],
    [['orders', 'get', 'o1', 'o2'], /unexpected "o2"/],
    [['orders', 'get', ''], /<orderId> must not be empty/],
    [['orders', 'get', '..'], /<orderId> cannot be "\.\."/],
    [['orders', 'get', 'o1', '--bogus', 'x'], /orders get has no option --bogus/],
    [['orders', 'get', 'o1', '--idempotency-key', 'k'], /no option --idempotency-key \(only POST commands take it\)/],
    [['customers', 'put', 'c1', '--name', 'A', '--email', 'a@b.c', '--idempotency-key', 'k'], /no option --idempotency-key/],
    [['orders', 'get', 'o1', '-x'], /unknown option -x/],
    [['orders', 'create', '--item', 'A:1:1'], /orders create needs --customer/],
    [['orders', 'create', '--customer', 'c1'], /orders create needs --item/],
    [['orders', 'create', '--customer', 'c1', '--customer', 'c2', '--item', 'A:1:1'], /--customer is given 2 times/],
    [['orders', 'create', '--customer', 'c1', '--item', 'A:2'], /--item must be <sku:quantity:unitPriceCents>/],
    [['orders', 'create', '--customer', 'c1', '--item', ':2:3'], /--item must be <sku:quantity:unitPriceCents>/],
    [['orders', 'create', '--customer', 'c1', '--item', 'A:two:3'], /quantity must be a whole number, got "two"/],
    [['orders', 'create', '--customer', 'c1', '--item', 'A:2:1.5'], /unitPriceCents must be a whole number/],
    [['orders', 'create', '--customer'], /--customer needs a value/],
    [['orders', 'create', '--customer', '--item', 'A:1:1'], /--customer needs a value/],
    [['orders', 'cancel', 'o1', '--expected-version', 'latest'], /--expected-version must be a whole number/],
    [['payments', 'request', 'o1'], /payments request needs --amount <cents>/],
    [['payments', 'request', 'o1', '--amount', '10.50'], /--amount must be a whole number, got "10.50"/],
    [['payments', 'request', 'o1', '--amount', '99999999999999999999'], /--amount must be a whole number/],
    [['customers', 'put', 'c1', '--name', 'Ada'], /customers put needs --email <email>/],
    [['orders', 'get', 'o1', '--outputs', ''], /--outputs must not be empty/],
  ])('%j is a usage error (exit 2, nothing sent)', async (argv, message) => {
    const { code, stdout, stderr, sent } = await run(argv);
    expect(code).toBe(2);
    expect(sent).toEqual([]);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
    expect(stderr).toMatch(/Run `npm run client -- --help` for usage\./);
  });

  it('a missing outputs file, or one with several stacks and no --stack, is a usage error', async () => {
    const missing = await run(['orders', 'get', 'o1', '--outputs', path.join(tmpdir(), 'no-such-dir-dualwrite', 'outputs.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/not found/);

    const several = outputsFile({ A: { ApiUrl: DEPLOYED_API }, B: { ApiUrl: DEPLOYED_API } });
    const ambiguous = await run(['orders', 'get', 'o1', '--outputs', several]);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toMatch(/--stack/);
    expect((await run(['orders', 'get', 'o1', '--outputs', several, '--stack', 'B'])).code).toBe(0);

    const noApi = await run(['orders', 'get', 'o1', '--outputs', outputsFile({ S: { TableName: 't' } })]);
    expect(noApi.code).toBe(2);
    expect(noApi.stderr).toMatch(/no ApiUrl/);
  });
});

describe('client CLI: sending, signing and exit codes', () => {
  it('signs for a deployed stack: SigV4 for execute-api in the region of ApiUrl, and the signature covers what is sent', async () => {
    const { code, sent } = await run([
      'orders', 'create', '--customer', 'c 1', '--item', 'A:2:500', '--idempotency-key', 'k1', '--outputs', deployedOutputs(),
    ]);
    expect(code).toBe(0);
    const [request] = sent;
    expect(request).toMatchObject({ method: 'POST', url: `${DEPLOYED_API}orders`, path: '/prod/orders' });
    expect(request!.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20261127\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/,
    );
    expect(request!.headers.authorization).toMatch(/SignedHeaders=[^,]*content-type;[^,]*host;[^,]*idempotency-key;/);
    expect(request!.headers['x-amz-date']).toBe('20261127T100000Z');
    expect(Buffer.from(request!.body!).toString('utf8')).toBe(
      '{"customerId":"c 1","items":[{"sku":"A","quantity":2,"unitPriceCents":500}]}',
    );

    // An independent signer, given what went on the wire, computes the same signature.
    const verifier = new SignatureV4({ service: 'execute-api', region: 'eu-west-1', credentials: CREDENTIALS, sha256: Sha256 });
    const { authorization, ...unsigned } = request!.headers;
    delete unsigned['x-amz-date'];
    delete unsigned['x-amz-content-sha256'];
    const expected = await verifier.sign(
      { method: 'POST', protocol: 'https:', hostname: 'abc123defg.execute-api.eu-west-1.amazonaws.com', path: '/prod/orders', query: {}, headers: unsigned, body: request!.body! },
      { signingDate: SIGNING_DATE },
    );
    expect(authorization).toBe(expected.headers.authorization);
  });

  it('signs encoded ids and takes the region from the outputs when they name one', async () => {
    const file = outputsFile({ Dualwrite: { ApiUrl: 'https://api.example.com/v1', Region: 'ap-southeast-2' } });
    const { sent } = await run(['orders', 'get', 'a#b', '--outputs', file]);
    expect(sent[0]).toMatchObject({ url: 'https://api.example.com/v1/orders/a%23b', path: '/v1/orders/a%23b' });
    expect(sent[0]!.headers.authorization).toMatch(/Credential=AKIDEXAMPLE\/20261127\/ap-southeast-2\/execute-api\/aws4_request/);
  });

  it('sends plain requests to the local runtime (outputs with AwsEndpointUrl)', async () => {
    const { code, sent } = await run(['customers', 'put', 'c1', '--name', 'Ada', '--email', 'ada@example.com', '--outputs', localOutputs()]);
    expect(code).toBe(0);
    expect(sent[0]).toMatchObject({
      method: 'PUT',
      url: 'http://127.0.0.1:3999/customers/c1',
      headers: { 'content-type': 'application/json' },
    });
    expect(sent[0]!.headers.authorization).toBeUndefined();
    expect(sent[0]!.headers['x-amz-date']).toBeUndefined();
  });

  it('prints the JSON answer on stdout and exits 0 on 2xx', async () => {
    const answer = { orderId: 'o1', status: 'PLACED', version: 1, totalCents: 1000 };
    const { code, stdout, stderr } = await run(['orders', 'get', 'o1', '--outputs', localOutputs()], { status: 200, text: JSON.stringify(answer) });
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual(answer);
    expect(stderr).toBe('');
  });

  it('prints nothing for a 204 and exits 0', async () => {
    const { code, stdout } = await run(['customers', 'delete', 'c1', '--outputs', localOutputs()], { status: 204, text: '' });
    expect(code).toBe(0);
    expect(stdout).toBe('');
  });

  it.each([400, 404, 409, 413, 500, 502])('prints the error body and exits 1 on %i', async (status) => {
    const error = { error: { code: 'NOT_FOUND', message: 'order o1 not found' } };
    const { code, stdout, stderr } = await run(['orders', 'get', 'o1', '--outputs', localOutputs()], { status, text: JSON.stringify(error) });
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toEqual(error);
    expect(stderr).toContain(`HTTP ${status} from GET /orders/o1`);
  });

  it('exits 1 with the reason when nothing answers', async () => {
    let stderr = '';
    const code = await runClient(['orders', 'get', 'o1', '--outputs', localOutputs()], {
      io: { stdout: { write: () => true }, stderr: { write: (text: string) => (stderr += text) } },
      transport: async () => {
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3999'), { code: 'ECONNREFUSED' });
      },
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(/^error: GET http:\/\/127\.0\.0\.1:3999\/ \/orders\/o1: .*ECONNREFUSED/);
  });
});
