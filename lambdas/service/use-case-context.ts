/** What every use case may ask of its environment besides its ports: the time and fresh ids. */
export interface UseCaseEnvironment {
  clock: () => Date;
  /** A new unique, time-ordered id (ULID in production). */
  newId: () => string;
}

/** Per-request facts a use case passes on into the events it writes. */
export interface RequestContext {
  /** Carried into every event the request causes; command events use it as causationId too. */
  correlationId: string;
}
