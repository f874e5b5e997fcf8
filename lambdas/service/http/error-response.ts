import type { APIGatewayProxyResult } from 'aws-lambda';
import { ConcurrencyConflictError, EnvelopeTooLargeError } from '../../../exports/runtime';
import {
  IdempotencyInProgressError,
  IdempotencyKeyReusedError,
  IllegalTransitionError,
  NotFoundError,
  PayloadTooLargeError,
  RouteNotFoundError,
  UnsupportedMediaTypeError,
  ValidationError,
  VersionConflictError,
} from '../errors';
import { jsonResponse } from './response';

export interface HttpError {
  statusCode: number;
  code: string;
  message: string;
}

/** THE mapping from errors to HTTP statuses; nothing else in the service picks a status for an error. */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof ValidationError) return { statusCode: 400, code: error.code, message: error.message };
  if (error instanceof NotFoundError || error instanceof RouteNotFoundError) {
    return { statusCode: 404, code: error.code, message: error.message };
  }
  if (error instanceof VersionConflictError || error instanceof IllegalTransitionError || error instanceof IdempotencyInProgressError) {
    return { statusCode: 409, code: error.code, message: error.message };
  }
  if (error instanceof ConcurrencyConflictError) {
    return { statusCode: 409, code: 'VERSION_CONFLICT', message: 'another request changed the resource first; read it again and retry' };
  }
  if (error instanceof PayloadTooLargeError) return { statusCode: 413, code: error.code, message: error.message };
  if (error instanceof EnvelopeTooLargeError) {
    return { statusCode: 413, code: 'PAYLOAD_TOO_LARGE', message: `the request would produce an event too large to publish: ${error.message}` };
  }
  if (error instanceof IdempotencyKeyReusedError) return { statusCode: 422, code: error.code, message: error.message };
  if (error instanceof UnsupportedMediaTypeError) return { statusCode: 415, code: error.code, message: error.message };
  return { statusCode: 500, code: 'INTERNAL_ERROR', message: 'internal error; quote the x-correlation-id header when reporting it' };
}

export function errorResponse(error: unknown, correlationId: string): APIGatewayProxyResult {
  const { statusCode, code, message } = toHttpError(error);
  return jsonResponse(statusCode, { error: { code, message } }, correlationId);
}
