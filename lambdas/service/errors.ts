/**
 * The service's own errors. Use cases and adapters throw these; `http/error-response.ts` is the one
 * place that turns them (and the runtime library's errors) into HTTP status codes.
 *
 * Each subclass names itself with a literal `name` (not `new.target.name`: the bundles are minified).
 */
export abstract class ServiceError extends Error {
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The request is malformed or breaks a rule of its schema. */
export class ValidationError extends ServiceError {
  readonly code = 'VALIDATION_FAILED';
  override readonly name = 'ValidationError';
  constructor(
    message: string,
    public readonly issues: readonly string[] = [message],
  ) {
    super(message);
  }
}

export class NotFoundError extends ServiceError {
  readonly code = 'NOT_FOUND';
  override readonly name = 'NotFoundError';
}

export class RouteNotFoundError extends ServiceError {
  readonly code = 'ROUTE_NOT_FOUND';
  override readonly name = 'RouteNotFoundError';
  constructor(method: string, path: string) {
    super(`no route for ${method} ${path}`);
  }
}

/** The caller's view of the aggregate is stale, or another request changed it first. */
export class VersionConflictError extends ServiceError {
  readonly code = 'VERSION_CONFLICT';
  override readonly name = 'VersionConflictError';
}

/** The command is not allowed in the aggregate's current state (cancel a cancelled order). */
export class IllegalTransitionError extends ServiceError {
  readonly code = 'ILLEGAL_TRANSITION';
  override readonly name = 'IllegalTransitionError';
}

export class PayloadTooLargeError extends ServiceError {
  readonly code = 'PAYLOAD_TOO_LARGE';
  override readonly name = 'PayloadTooLargeError';
}

export class UnsupportedMediaTypeError extends ServiceError {
  readonly code = 'UNSUPPORTED_MEDIA_TYPE';
  override readonly name = 'UnsupportedMediaTypeError';
}

/** An `Idempotency-Key` already used on this route and path with a different request body. */
export class IdempotencyKeyReusedError extends ServiceError {
  readonly code = 'IDEMPOTENCY_KEY_REUSED';
  override readonly name = 'IdempotencyKeyReusedError';
}

/** A request with the same `Idempotency-Key` is still being processed; retry once it has answered. */
export class IdempotencyInProgressError extends ServiceError {
  readonly code = 'IDEMPOTENCY_IN_PROGRESS';
  override readonly name = 'IdempotencyInProgressError';
}
