import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Context } from 'aws-lambda';
import { createHash } from 'node:crypto';
import * as z from 'zod';
import { crockfordBase32, leadingBytesAsInteger } from '../../../exports/runtime';
import { IdempotencyInProgressError, IdempotencyKeyReusedError } from '../errors';
import { toHttpError } from '../http/error-response';
import { validate } from '../http/validation';

/** The request header that makes a POST command idempotent (README, "Idempotency-Key"). */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';

/** How long an answer is remembered: a client retrying for a day gets the first answer back. */
export const API_IDEMPOTENCY_EXPIRY_SECONDS = 24 * 60 * 60;

/**
 * Namespace of the API's records in the idempotency table, which the consumers share
 * (`timeline-consumer`, `payments-consumer`). Fixed, not the function name: a renamed or
 * redeployed function must still find the answers it gave.
 */
export const API_IDEMPOTENCY_KEY_PREFIX = 'api-command';

/** Keys are opaque to the service: 1 to 128 of `A-Z a-z 0-9 . _ : -` (a UUID or ULID fits). */
export const idempotencyKeySchema = z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must be 1 to 128 of A-Z a-z 0-9 . _ : -');

/** What a command answered: kept with the idempotency record and given again to a retry. */
export interface CommandAnswer {
  statusCode: number;
  /** A JSON value. */
  body: unknown;
}

export interface IdempotentCommand {
  /** The caller's `Idempotency-Key`, already validated; undefined runs the command as is. */
  key: string | undefined;
  /** `POST /orders/01K…/cancel`: the route and path the key is scoped to. */
  target: string;
  /** The validated command: a retry with the same key must carry the same one. */
  command: unknown;
}

/** The validated `Idempotency-Key`, undefined when the header is absent, ValidationError when malformed. */
export function idempotencyKeyOf(header: (name: string) => string | undefined): string | undefined {
  const value = header(IDEMPOTENCY_KEY_HEADER);
  if (value === undefined) return undefined;
  return validate(idempotencyKeySchema, value, 'header Idempotency-Key');
}

/**
 * Whether a refusal is kept as the key's answer. Deterministic refusals are (400, 404, 409
 * ILLEGAL_TRANSITION, 413: the same request would be refused again); a lost race (409
 * VERSION_CONFLICT) and every 5xx are not, so that a retry with the same key runs the command again.
 */
export function isRememberedRefusal(statusCode: number, code: string): boolean {
  return statusCode >= 400 && statusCode < 500 && code !== 'VERSION_CONFLICT';
}

/**
 * The ids a keyed command creates, derived from its `[target, key]` scope: the n-th id of every
 * execution of one command is the same, so a second execution (the first one committed but died
 * before its idempotency record was completed) meets the first one's `attribute_not_exists` guard
 * instead of creating a second entity.
 *
 * Each id is the first 128 bits of SHA-256 over the scope and the id's position, written as a ULID
 * (26 characters of Crockford base32, first one 0-7): it fits every place a ULID goes, but its time
 * part is a hash, not the creation time, so keyed ids do not sort by time.
 */
export function idsDerivedFromKey(target: string, key: string): () => string {
  let position = 0;
  return () => {
    const digest = createHash('sha256').update(JSON.stringify(['dualwrite/command-id/v1', target, key, position++])).digest();
    return crockfordBase32(leadingBytesAsInteger(digest, 16), 26);
  };
}

export interface CommandRunner {
  /** Call once per invocation: bounds how long an in-progress record blocks its key after a crash. */
  registerLambdaContext(context: Context): void;
  /** Runs `execute` once per key; a retry gets the first answer with `replayed: true`. */
  run(command: IdempotentCommand, execute: () => Promise<CommandAnswer>): Promise<CommandAnswer & { replayed: boolean }>;
}

interface IdempotencyPayload {
  target: string;
  key: string;
  command: unknown;
}

/**
 * Powertools idempotency around the API's commands. The idempotency key is `[target, key]` (so the
 * same key on two orders or two routes is two keys) and the command is the validated payload: the
 * same key with another command is refused (`IdempotencyKeyReusedError`, 422), the same key while
 * the first request runs is refused too (`IdempotencyInProgressError`, 409).
 *
 * Powertools stores what the wrapped function returns and forgets it when the function throws, so
 * the function returns successes and deterministic refusals (`isRememberedRefusal`) as answers and
 * throws everything else.
 *
 * @param persistenceStore used by nothing else: Powertools configures a store once, with the first
 *   configuration it sees
 */
export function makeCommandRunner(options: { persistenceStore: BasePersistenceLayer; expiresAfterSeconds?: number }): CommandRunner {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: '[target, key]',
    payloadValidationJmesPath: 'command',
    throwOnNoIdempotencyKey: true,
    expiresAfterSeconds: options.expiresAfterSeconds ?? API_IDEMPOTENCY_EXPIRY_SECONDS,
    // Called only when a stored answer is returned instead of running the command.
    responseHook: (response) => ({ ...(response as object), replayed: true }),
  });

  const executeRemembering = async (_payload: IdempotencyPayload, execute: () => Promise<CommandAnswer>): Promise<CommandAnswer> => {
    try {
      return await execute();
    } catch (error: unknown) {
      const { statusCode, code, message } = toHttpError(error);
      if (isRememberedRefusal(statusCode, code)) return { statusCode, body: { error: { code, message } } };
      throw error;
    }
  };

  const once = makeIdempotent(executeRemembering, {
    persistenceStore: options.persistenceStore,
    config,
    keyPrefix: API_IDEMPOTENCY_KEY_PREFIX,
    dataIndexArgument: 0,
  });

  return {
    registerLambdaContext: (context) => config.registerLambdaContext(context),
    async run(command, execute) {
      if (command.key === undefined) return { ...(await execute()), replayed: false };
      const payload: IdempotencyPayload = { target: command.target, key: command.key, command: command.command };
      try {
        const answer = (await once(payload, execute)) as CommandAnswer & { replayed?: boolean };
        return { statusCode: answer.statusCode, body: answer.body, replayed: answer.replayed === true };
      } catch (error: unknown) {
        if (error instanceof IdempotencyValidationError) {
          throw new IdempotencyKeyReusedError(
            `Idempotency-Key "${command.key}" was already used on ${command.target} with a different request body; use a new key for a new request`,
            { cause: error },
          );
        }
        if (error instanceof IdempotencyAlreadyInProgressError) {
          throw new IdempotencyInProgressError(
            `a request with Idempotency-Key "${command.key}" on ${command.target} is still in progress; retry after it has answered`,
            { cause: error },
          );
        }
        throw error;
      }
    },
  };
}
