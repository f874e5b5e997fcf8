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

export function getNumberFromEnv(name: string, defaultValue: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return defaultValue;
  const value = Number(raw);
  if (!Number.isFinite(value)) {
    throw new MissingConfigurationError(`${name} environment variable must be a number, got "${raw}"`);
  }
  return value;
}
