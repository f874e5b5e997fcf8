import { describe, expect, it } from '@jest/globals';
import { EnvelopeTooLargeError } from '../../../lambdas/dualwrite/envelope';
import { ConcurrencyConflictError } from '../../../lambdas/dualwrite/transactional-outbox-writer';
import {
  IllegalTransitionError,
  NotFoundError,
  PayloadTooLargeError,
  RouteNotFoundError,
  UnsupportedMediaTypeError,
  ValidationError,
  VersionConflictError,
} from '../../../lambdas/service/errors';
import { errorResponse, toHttpError } from '../../../lambdas/service/http/error-response';

describe('error → HTTP status (the one mapping)', () => {
  it.each([
    { error: new ValidationError('bad'), statusCode: 400, code: 'VALIDATION_FAILED' },
    { error: new NotFoundError('gone'), statusCode: 404, code: 'NOT_FOUND' },
    { error: new RouteNotFoundError('GET', '/x'), statusCode: 404, code: 'ROUTE_NOT_FOUND' },
    { error: new VersionConflictError('stale'), statusCode: 409, code: 'VERSION_CONFLICT' },
    { error: new IllegalTransitionError('no'), statusCode: 409, code: 'ILLEGAL_TRANSITION' },
    { error: new ConcurrencyConflictError('lost', [{ code: 'ConditionalCheckFailed' }]), statusCode: 409, code: 'VERSION_CONFLICT' },
    { error: new PayloadTooLargeError('big'), statusCode: 413, code: 'PAYLOAD_TOO_LARGE' },
    { error: new EnvelopeTooLargeError(300_000, 262_144), statusCode: 413, code: 'PAYLOAD_TOO_LARGE' },
    { error: new UnsupportedMediaTypeError('xml'), statusCode: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
    { error: new Error('boom'), statusCode: 500, code: 'INTERNAL_ERROR' },
    { error: 'a thrown string', statusCode: 500, code: 'INTERNAL_ERROR' },
  ])('$error.name → $statusCode $code', ({ error, statusCode, code }) => {
    expect(toHttpError(error)).toMatchObject({ statusCode, code });
  });

  it('renders {"error": {"code", "message"}} with the correlation id header', () => {
    const response = errorResponse(new EnvelopeTooLargeError(300_000, 262_144), 'corr-1');
    expect(response.statusCode).toBe(413);
    expect(response.headers).toMatchObject({ 'content-type': 'application/json', 'x-correlation-id': 'corr-1' });
    const body = JSON.parse(response.body);
    expect(Object.keys(body)).toEqual(['error']);
    expect(body.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(body.error.message).toContain('262144');
  });

  it('does not leak the message of an unexpected error', () => {
    expect(toHttpError(new Error('connection to 10.0.0.7 refused')).message).not.toContain('10.0.0.7');
  });
});
