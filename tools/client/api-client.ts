/**
 * THE HTTP client for the stack's API (`ApiUrl` of the outputs), shared by the `client` CLI
 * (`tools/client.ts`) and the end-to-end tests (`test/e2e/support/api.ts` re-exports it).
 *
 * Against a deployed stack it signs every request with SigV4 (service `execute-api`, credentials
 * from the default provider chain unless given): the methods use `AWS_IAM` authorization. Against
 * the local runtime (the outputs have `AwsEndpointUrl`) it sends plain requests: the local API
 * trusts every caller on loopback.
 *
 * Requests go out through `node:http(s)` rather than `fetch`, so that a caller controls exactly
 * what is sent: the path as given (no dot-segment normalization), a body on any method (GET
 * included), raw bytes, and the `content-type` header or its absence (`fetch` adds
 * `text/plain;charset=UTF-8` to every string body).
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';

import { Sha256 } from '@aws-crypto/sha256-js';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  /** The parsed JSON body, or the text if it is not JSON, or null if empty. */
  body: T;
}

export interface ApiRequestOptions {
  /**
   * Extra request headers. A value of `undefined` removes a header the client would add (e.g.
   * `{ 'content-type': undefined }` sends a body with no content type at all).
   */
  headers?: Readonly<Record<string, string | undefined>>;
}

/** A request as it goes on the wire (after signing, when the client signs). */
export interface PreparedRequest {
  method: string;
  /** The absolute URL; `path` is its path and query exactly as sent. */
  url: string;
  path: string;
  headers: Record<string, string>;
  body?: Uint8Array;
}

export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
}

/** Sends a prepared request; tests pass their own. */
export type Transport = (request: PreparedRequest) => Promise<RawResponse>;

type SignerCredentials = ConstructorParameters<typeof SignatureV4>[0]['credentials'];

export interface ApiClientOptions {
  /** @default the default credential provider chain (only used for a deployed stack) */
  credentials?: SignerCredentials;
  /** @default `Region` of the outputs, else the region in `ApiUrl`, else `AWS_REGION`, else us-east-1 */
  region?: string;
  /** @default node:http(s) */
  transport?: Transport;
  /** Fixed signing time, for tests. @default now */
  signingDate?: () => Date;
  /** Per-request timeout of the default transport. @default 60 s */
  timeoutMs?: number;
}

export interface ApiClient {
  /** True when the requests are signed (a deployed stack). */
  readonly signs: boolean;
  /**
   * `path` is relative to `ApiUrl` (a leading `/` is optional) and is sent as given: percent-encode
   * ids yourself (`encodeURIComponent`). `body`: a string or bytes are sent as they are, anything
   * else as JSON; `content-type: application/json` is added to every body unless `options.headers`
   * says otherwise.
   */
  request<T = unknown>(method: string, path: string, body?: unknown, options?: ApiRequestOptions): Promise<ApiResponse<T>>;
  /** The request `request` would send, signed when the client signs, without sending it. */
  prepare(method: string, path: string, body?: unknown, options?: ApiRequestOptions): Promise<PreparedRequest>;
}

/** True for the local runtime's outputs (they name the emulator), false for a deployed stack's. */
export function isLocalOutputs(outputs: Readonly<Record<string, string | undefined>>): boolean {
  return outputs.AwsEndpointUrl !== undefined && outputs.AwsEndpointUrl !== '';
}

export function apiClient(outputs: Readonly<Record<string, string | undefined>>, options: ApiClientOptions = {}): ApiClient {
  const baseUrl = outputs.ApiUrl;
  if (baseUrl === undefined || baseUrl === '') throw new Error('the stack outputs have no ApiUrl');
  const base = new URL(baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  const signer = isLocalOutputs(outputs)
    ? undefined
    : new SignatureV4({
        service: 'execute-api',
        region: options.region ?? outputs.Region ?? regionOfApiUrl(baseUrl),
        credentials: options.credentials ?? defaultProvider(),
        sha256: Sha256,
      });
  const transport = options.transport ?? nodeTransport(options.timeoutMs ?? 60_000);

  async function prepare(method: string, path: string, body?: unknown, requestOptions: ApiRequestOptions = {}): Promise<PreparedRequest> {
    const requestPath = `${base.pathname}${path.replace(/^\//, '')}`;
    const payload = toPayload(body);
    let headers: Record<string, string> = payload === undefined ? {} : { 'content-type': 'application/json' };
    for (const [name, value] of Object.entries(requestOptions.headers ?? {})) {
      const lower = name.toLowerCase();
      for (const existing of Object.keys(headers)) if (existing.toLowerCase() === lower) delete headers[existing];
      if (value !== undefined) headers[lower] = value;
    }
    if (signer !== undefined) {
      const [pathname = '', queryString] = splitOnce(requestPath, '?');
      const query: Record<string, string | string[]> = {};
      for (const [name, value] of new URLSearchParams(queryString ?? '')) {
        const existing = query[name];
        query[name] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
      }
      const signed = await signer.sign(
        {
          method,
          protocol: base.protocol,
          hostname: base.hostname,
          ...(base.port ? { port: Number(base.port) } : {}),
          path: pathname,
          query,
          headers: { ...headers, host: base.host },
          ...(payload !== undefined ? { body: payload } : {}),
        },
        options.signingDate ? { signingDate: options.signingDate() } : {},
      );
      headers = { ...signed.headers };
    }
    return {
      method,
      url: `${base.origin}${requestPath}`,
      path: requestPath,
      headers,
      ...(payload !== undefined ? { body: payload } : {}),
    };
  }

  return {
    signs: signer !== undefined,
    prepare,
    async request<T>(method: string, path: string, body?: unknown, requestOptions?: ApiRequestOptions): Promise<ApiResponse<T>> {
      const response = await transport(await prepare(method, path, body, requestOptions));
      let parsed: unknown = response.text === '' ? null : response.text;
      try {
        if (response.text !== '') parsed = JSON.parse(response.text);
      } catch {
        // not JSON: keep the text
      }
      return { status: response.status, headers: response.headers, body: parsed as T };
    },
  };
}

function toPayload(body: unknown): Uint8Array | undefined {
  if (body === undefined) return undefined;
  if (body instanceof Uint8Array) return body;
  return Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8');
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const index = text.indexOf(separator);
  return index < 0 ? [text, undefined] : [text.slice(0, index), text.slice(index + 1)];
}

/** `https://<id>.execute-api.<region>.amazonaws.com/prod/` → `<region>` */
export function regionOfApiUrl(url: string): string {
  const region = /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com/.exec(new URL(url).hostname)?.[1];
  return region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
}

/** node:http(s), the path exactly as prepared, the body on any method. */
export function nodeTransport(timeoutMs: number): Transport {
  return (prepared) =>
    new Promise<RawResponse>((resolve, reject) => {
      const url = new URL(prepared.url);
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const headers: Record<string, string> = { ...prepared.headers };
      if (prepared.body !== undefined) headers['content-length'] = String(prepared.body.byteLength);
      const outgoing = send(
        {
          method: prepared.method,
          protocol: url.protocol,
          hostname: url.hostname,
          ...(url.port ? { port: Number(url.port) } : {}),
          path: prepared.path,
          headers,
          timeout: timeoutMs,
        },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
          incoming.on('error', reject);
          incoming.on('end', () =>
            resolve({
              status: incoming.statusCode ?? 0,
              headers: toHeaders(incoming.headers),
              text: Buffer.concat(chunks).toString('utf8'),
            }),
          );
        },
      );
      outgoing.on('timeout', () => outgoing.destroy(new Error(`${prepared.method} ${prepared.url}: no answer within ${timeoutMs} ms`)));
      outgoing.on('error', reject);
      outgoing.end(prepared.body === undefined ? undefined : Buffer.from(prepared.body));
    });
}

function toHeaders(incoming: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined) continue;
    for (const single of Array.isArray(value) ? value : [value]) headers.append(name, single);
  }
  return headers;
}
