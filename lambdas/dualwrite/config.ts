/** Raised when a function is deployed without the configuration it needs: fail fast, name the variable. */
export class MissingConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MissingConfigurationError';
  }
}

export function getStringFromEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value.trim() === '') {
    throw new MissingConfigurationError(`${name} environment variable is not set`);
  }
  return value;
}

export interface IntegerFromEnvOptions {
  /** Returned when the variable is unset or blank. */
  defaultValue: number;
  minimum: number;
  /** @default none */
  maximum?: number;
  /** Named in the error message, e.g. `seconds`. */
  unit: string;
  env?: Readonly<Record<string, string | undefined>>;
}

/** A whole number (decimal digits) from the environment, or a fail-fast error that names the variable. */
export function getIntegerFromEnv(name: string, options: IntegerFromEnvOptions): number {
  const raw = (options.env ?? process.env)[name];
  if (raw === undefined || raw.trim() === '') return options.defaultValue;
  const value = Number(raw.trim());
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < options.minimum) {
    throw new MissingConfigurationError(
      `${name} environment variable must be a whole number of ${options.unit} of at least ${options.minimum}, got "${raw}"`,
    );
  }
  if (options.maximum !== undefined && value > options.maximum) {
    throw new MissingConfigurationError(`${name} environment variable must be at most ${options.maximum} ${options.unit}, got "${raw}"`);
  }
  return value;
}
