/**
 * The local inspector: a page on 127.0.0.1 that follows every event across the pipeline (live list
 * with hops and latencies, one event's envelope, aggregate items and timeline, a health panel, and
 * the redrive actions of `npm run redrive`). Plain HTML/CSS/JS from `static/`, served by Node's
 * http module; nothing is loaded from anywhere else (the Content-Security-Policy says so too).
 *
 * Data: the journal filled by the observed invokers (what the event source mappings deliver and
 * what the functions answer) and, while a page asks, reads of the emulator (queue depths, DLQ
 * contents, FAILED items, the aggregate's items). No Lambda code is involved.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { runRedrive } from '../../tools/redrive';
import { CONSUMER_NAMES, QUEUE_KEYS } from '../../tools/redrive/consumer-dlq';
import { loadStackOutputs } from '../../tools/lib/outputs';
import type { FunctionInvoker } from '../function-invoker';
import { errorMessage, type RuntimeLog } from '../log';
import type { ProvisionedResources } from '../resources';
import type { CfnTemplate } from '../template';
import { readHealth, topologyOf, type HealthReport, type Topology } from './health';
import { EventJournal } from './journal';
import { observedInvoker, type InvocationObserver, type IteratorAgeReading } from './observed-invoker';

export interface InspectorOptions {
  /** 0 picks a free port. */
  port: number;
  /** When the port is taken: fail (an explicit choice) or take a free one (a default). @default false */
  anyPortIfTaken?: boolean;
  template: CfnTemplate;
  provisioned: ProvisionedResources;
  dynamodb: DynamoDBClient;
  sqs: SQSClient;
  /** The outputs file `npm run redrive` reads (written once the runtime is up). */
  outputsFile: string;
  stackName: string;
  log: RuntimeLog;
}

export interface RunningInspector {
  /** `http://127.0.0.1:<port>/` */
  url: string;
  /** The invoker an event source mapping should call: the same function, watched. */
  observe(invoker: FunctionInvoker): FunctionInvoker;
  stop(): Promise<void>;
}

/** A health report younger than this is served again rather than read again (the emulator serves one request at a time). */
const HEALTH_MAX_AGE_MS = 1_000;
const AGGREGATE_ITEMS_LIMIT = 50;
const STATIC_DIRECTORY = path.join(__dirname, 'static');
const STATIC_FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/inspector.js': { file: 'inspector.js', type: 'text/javascript; charset=utf-8' },
  '/inspector.css': { file: 'inspector.css', type: 'text/css; charset=utf-8' },
};
const SECURITY_HEADERS = {
  'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-store',
};
const FAILED_TARGET = 'FAILED';

export async function startInspector(options: InspectorOptions): Promise<RunningInspector> {
  const journal = new EventJournal();
  const iteratorAges = new Map<string, IteratorAgeReading>();
  const topology = topologyOf(options.template, options.provisioned);
  const observer: InvocationObserver = { journal, iteratorAges, partitionKeyOf: (table) => topology.partitionKeys.get(table) };
  const assets = new Map(Object.entries(STATIC_FILES).map(([route, asset]) => [route, { ...asset, body: readFileSync(path.join(STATIC_DIRECTORY, asset.file)) }]));

  let cached: { report: HealthReport; at: number } | undefined;
  let reading: Promise<HealthReport> | undefined;
  const health = (): Promise<HealthReport> => {
    if (cached !== undefined && Date.now() - cached.at < HEALTH_MAX_AGE_MS) return Promise.resolve(cached.report);
    reading ??= readHealth({ topology, sqs: options.sqs, dynamodb: options.dynamodb, journal, iteratorAges })
      .then((report) => {
        cached = { report, at: Date.now() };
        return report;
      })
      .finally(() => {
        reading = undefined;
      });
    return reading;
  };
  let actionRunning = false;

  const handle = async (request: IncomingMessage, response: ServerResponse, origin: string): Promise<void> => {
    const url = new URL(request.url ?? '/', origin);
    const asset = request.method === 'GET' ? assets.get(url.pathname) : undefined;
    if (asset !== undefined) return send(response, 200, asset.body, asset.type);
    if (request.method === 'GET' && url.pathname === '/api/events') {
      await health().catch(() => undefined); // FAILED and parked states come from the health read
      const filter = { aggregateId: url.searchParams.get('aggregateId') ?? '', correlationId: url.searchParams.get('correlationId') ?? '', type: url.searchParams.get('type') ?? '' };
      return sendJson(response, 200, { events: journal.list(filter) });
    }
    if (request.method === 'GET' && url.pathname.startsWith('/api/events/')) {
      const detail = journal.get(decodeURIComponent(url.pathname.slice('/api/events/'.length)));
      if (detail === undefined) return sendJson(response, 404, { message: 'no such event in the inspector (it keeps the most recent 500)' });
      const items = detail.aggregate === undefined ? undefined : await aggregateItems(options.dynamodb, detail.aggregate);
      return sendJson(response, 200, { ...detail, aggregateItems: items ?? null });
    }
    if (request.method === 'GET' && url.pathname === '/api/health') {
      const report = await health();
      const redriveTargets = redriveTargetsOf(options.outputsFile, options.stackName);
      return sendJson(response, 200, { ...report, queues: report.queues.map((queue) => ({ ...queue, redrive: redriveTargets.has(queue.url) })) });
    }
    if (url.pathname === '/api/redrive') {
      if (request.method !== 'POST') return sendJson(response, 405, { message: 'POST only' });
      if (!(request.headers['content-type'] ?? '').startsWith('application/json')) return sendJson(response, 415, { message: 'send application/json' });
      const target = parseJsonObject(await readBody(request))?.target;
      const argv = typeof target === 'string' ? redriveArgvFor(target, topology, options) : undefined;
      if (argv === undefined) return sendJson(response, 400, { message: `nothing to redrive for ${JSON.stringify(target)}: give a DLQ name from the health panel or "${FAILED_TARGET}"` });
      if (actionRunning) return sendJson(response, 409, { message: 'a redrive is already running' });
      actionRunning = true;
      try {
        const stdout: string[] = [];
        const stderr: string[] = [];
        const exitCode = await runRedrive(argv, { stdout: { write: (text: string) => stdout.push(text) }, stderr: { write: (text: string) => stderr.push(text) } });
        cached = undefined;
        options.log.info(`inspector: npm run redrive -- ${argv.join(' ')} → exit ${exitCode}: ${stdout.join('').trim()}`);
        return sendJson(response, 200, { command: `npm run redrive -- ${argv.join(' ')}`, exitCode, summary: stdout.join('').trim(), details: stderr.join('') });
      } finally {
        actionRunning = false;
      }
    }
    return sendJson(response, 404, { message: 'not found' });
  };

  const server = createServer((request, response) => {
    const port = (server.address() as AddressInfo).port;
    const allowedHosts = [`127.0.0.1:${port}`, `localhost:${port}`];
    // A page elsewhere must not drive this one: no foreign Host (DNS rebinding), no foreign Origin (cross-site POST).
    const origin = request.headers.origin;
    if (!allowedHosts.includes(request.headers.host ?? '') || (origin !== undefined && !allowedHosts.map((host) => `http://${host}`).includes(origin))) {
      sendJson(response, 403, { message: 'the inspector answers its own page on the loopback interface only' });
      return;
    }
    handle(request, response, `http://${request.headers.host}`).catch((error: unknown) => {
      options.log.warn(`inspector: ${request.method} ${request.url}: ${errorMessage(error)}`);
      if (!response.headersSent) sendJson(response, 500, { message: errorMessage(error) });
      else response.end();
    });
  });
  const port = await listen(server, options.port).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EADDRINUSE') throw error;
    if (options.anyPortIfTaken !== true) {
      throw Object.assign(new Error(`port ${options.port} on 127.0.0.1 is already in use, so the inspector cannot listen there; choose another with INSPECTOR_PORT=<port>`), {
        code: error.code,
      });
    }
    options.log.warn(`inspector: port ${options.port} is in use; listening on a free port instead (INSPECTOR_PORT picks one)`);
    return listen(server, 0);
  });

  return {
    url: `http://127.0.0.1:${port}/`,
    observe: (invoker) => observedInvoker(invoker, observer),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * The inspector's port: the one given, else INSPECTOR_PORT, else the API port + 1 (0 with an API
 * on a free port). Only that last default gives way to a free port when it is taken.
 */
export function inspectorPortChoice(given: number | undefined, fromEnv: string | undefined, apiPort: number): { port: number; anyPortIfTaken: boolean } {
  if (given !== undefined) return { port: given, anyPortIfTaken: false };
  const raw = fromEnv?.trim() ?? '';
  if (raw !== '') {
    const port = Number(raw);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`INSPECTOR_PORT=${raw} is not a port number (0-65535)`);
    return { port, anyPortIfTaken: false };
  }
  return apiPort === 0 || apiPort === 65535 ? { port: 0, anyPortIfTaken: false } : { port: apiPort + 1, anyPortIfTaken: true };
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** The `npm run redrive` arguments for a target of the page: a DLQ the tool knows (by the outputs it reads), or FAILED. */
function redriveArgvFor(target: string, topology: Topology, options: InspectorOptions): string[] | undefined {
  const where = ['--outputs', options.outputsFile, '--stack', options.stackName];
  if (target === FAILED_TARGET) return ['--failed', ...where];
  const queue = topology.queues.find((candidate) => candidate.name === target);
  const mode = queue === undefined ? undefined : redriveTargetsOf(options.outputsFile, options.stackName).get(queue.url);
  return mode === undefined ? undefined : [...mode, ...where];
}

/** Queue URL → the redrive mode that empties it, from the outputs file as the tool reads it. */
function redriveTargetsOf(outputsFile: string, stackName: string): Map<string, string[]> {
  const targets = new Map<string, string[]>();
  let values: Readonly<Record<string, string>>;
  try {
    values = loadStackOutputs(outputsFile, stackName).values;
  } catch {
    return targets; // not written yet
  }
  for (const consumer of CONSUMER_NAMES) {
    const dlqUrl = values[QUEUE_KEYS[consumer].dlq];
    if (dlqUrl !== undefined) targets.set(dlqUrl, ['--consumer-dlq', consumer]);
  }
  if (values.RelayDeadLetterQueueUrl !== undefined) targets.set(values.RelayDeadLetterQueueUrl, ['--stream-dlq']);
  return targets;
}

async function aggregateItems(dynamodb: DynamoDBClient, location: { tableName: string; partitionKeyName: string; partitionKeyValue: string }) {
  const { Items } = await dynamodb.send(
    new QueryCommand({
      TableName: location.tableName,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': location.partitionKeyName },
      ExpressionAttributeValues: { ':pk': { S: location.partitionKeyValue } },
      Limit: AGGREGATE_ITEMS_LIMIT,
    }),
  );
  return (Items ?? []).map((item) => unmarshall(item));
}

const MAX_BODY_BYTES = 4096;

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > MAX_BODY_BYTES) {
        reject(new Error('request body too large'));
        request.destroy();
      }
    });
    request.on('end', () => resolve(body));
    request.on('error', reject);
  });
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function send(response: ServerResponse, status: number, body: string | Buffer, type: string): void {
  response.writeHead(status, { 'Content-Type': type, ...SECURITY_HEADERS });
  response.end(body);
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  send(response, status, JSON.stringify(body), 'application/json; charset=utf-8');
}
