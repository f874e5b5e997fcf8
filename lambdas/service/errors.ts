/**
 * The service's own errors. Use cases and adapters throw these; `http/error-response.ts` is the one
 * place that turns them (and the runtime library's errors) into HTTP status codes.
 */
export abstract class ServiceError extends Error {
  abstract readonly code: string;
}

/** The request is malformed or breaks a rule of its schema. */
export class ValidationError extends ServiceError {
  readonly code = 'VALIDATION_FAILED';
  constructor(
    message: string,
    public readonly issues: readonly string[] = [message],
  ) {
    super(message);
    this.name = 'ValidationError';
  }
}

export class NotFoundError extends ServiceError {
  readonly code = 'NOT_FOUND';
  constructor(message: string) {
    super(message);
    this.name = 'NotFoundError';
  }
}

export class RouteNotFoundError extends ServiceError {
  readonly code = 'ROUTE_NOT_FOUND';
  constructor(method: string, path: string) {
    super(`no route for ${method} ${path}`);
    this.name = 'RouteNotFoundError';
  }
}

/** The caller's view of the aggregate is stale, or another request changed it first. */
export class VersionConflictError extends ServiceError {
  readonly code = 'VERSION_CONFLICT';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VersionConflictError';
  }
}

/** The command is not allowed in the aggregate's current state (cancel a cancelled order). */
export class IllegalTransitionError extends ServiceError {
  readonly code = 'ILLEGAL_TRANSITION';
  constructor(message: string) {
    super(message);
    this.name = 'IllegalTransitionError';
  }
}

export class PayloadTooLargeError extends ServiceError {
  readonly code = 'PAYLOAD_TOO_LARGE';
  constructor(message: string) {
    super(message);
    this.name = 'PayloadTooLargeError';
  }
}

export class UnsupportedMediaTypeError extends ServiceError {
  readonly code = 'UNSUPPORTED_MEDIA_TYPE';
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedMediaTypeError';
  }
}

/** An `Idempotency-Key` already used on this route and path with a different request body. */
export class IdempotencyKeyReusedError extends ServiceError {
  readonly code = 'IDEMPOTENCY_KEY_REUSED';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IdempotencyKeyReusedError';
  }
}

/** A request with the same `Idempotency-Key` is still being processed; retry once it has answered. */
export class IdempotencyInProgressError extends ServiceError {
  readonly code = 'IDEMPOTENCY_IN_PROGRESS';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IdempotencyInProgressError';
  }
}
