/** What every use case may ask of its environment besides its ports: the time and fresh ids. */
export interface UseCaseEnvironment {
  clock: () => Date;
  /**
   * The id of a new entity: a fresh ULID, or, for a command with an `Idempotency-Key`, one derived
   * from the key, the same on every execution of that command (an existing entity with it may be
   * the command's own earlier commit).
   */
  newId: () => string;
}

/** Per-request facts a use case passes on into the events it writes. */
export interface RequestContext {
  /** Carried into every event the request causes; command events use it as causationId too. */
  correlationId: string;
}
