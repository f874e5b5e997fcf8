import type { APIGatewayProxyEvent } from 'aws-lambda';
import { PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from '../errors';
import { CORRELATION_ID_HEADER } from './response';

/**
 * Largest request body the API reads. A body that could not fit in one EventBridge event (256 KB)
 * could never be published, so nothing larger is worth parsing; the event-size rule itself is
 * checked again, exactly, when the envelope is built (`EnvelopeTooLargeError`).
 */
export const MAX_BODY_BYTES = 256 * 1024;

/** Correlation ids from callers are kept only when they look like an id (ULID, UUID, trace id). */
const SANE_CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The parts of an API Gateway proxy event the routes use, with headers made case-insensitive. */
export interface ApiRequest {
  method: string;
  /** The matched route template, e.g. `/orders/{orderId}`. */
  resource: string;
  pathParameters: Readonly<Record<string, string>>;
  correlationId: string;
  header(name: string): string | undefined;
  /** The decoded body, or undefined when there is none. */
  rawBody: string | undefined;
}

export function lowerCaseHeaders(event: Pick<APIGatewayProxyEvent, 'headers' | 'multiValueHeaders'>): Map<string, string> {
  const headers = new Map<string, string>();
  for (const [name, values] of Object.entries(event.multiValueHeaders ?? {})) {
    const first = values?.[0];
    if (first !== undefined) headers.set(name.toLowerCase(), first);
  }
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers.set(name.toLowerCase(), value);
  }
  return headers;
}

/** `x-correlation-id` when the caller sent a sane one, else API Gateway's request id. */
export function correlationIdOf(headers: ReadonlyMap<string, string>, requestId: string | undefined): string {
  const fromCaller = headers.get(CORRELATION_ID_HEADER)?.trim();
  if (fromCaller !== undefined && SANE_CORRELATION_ID.test(fromCaller)) return fromCaller;
  return requestId && requestId.length > 0 ? requestId : 'unknown-request';
}

export function decodeBody(event: Pick<APIGatewayProxyEvent, 'body' | 'isBase64Encoded'>): string | undefined {
  if (event.body === null || event.body === undefined || event.body === '') return undefined;
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

function isJsonMediaType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const mediaType = contentType.split(';')[0]?.trim().toLowerCase();
  return mediaType === 'application/json';
}

/**
 * The JSON body of a request, checked in the order a client can act on: size (413), media type
 * (415), syntax (400). `required: false` turns an absent body into `{}` (optional bodies).
 */
export function readJsonBody(request: ApiRequest, options: { required: boolean }): unknown {
  const raw = request.rawBody;
  const size = raw === undefined ? 0 : Buffer.byteLength(raw, 'utf8');
  if (size > MAX_BODY_BYTES) {
    throw new PayloadTooLargeError(`request body is ${size} bytes; the limit is ${MAX_BODY_BYTES} bytes`);
  }
  if (raw === undefined || raw.trim() === '') {
    if (options.required) throw new ValidationError('request body is required');
    return {};
  }
  if (!isJsonMediaType(request.header('content-type'))) {
    throw new UnsupportedMediaTypeError(
      `content-type must be application/json, got ${request.header('content-type') ?? 'none'}`,
    );
  }
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw new ValidationError('request body is not valid JSON');
  }
}
