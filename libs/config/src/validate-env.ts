import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { ConfigError } from './config.error';

export type Env = Readonly<Record<string, string | undefined>>;

/** The process environment: read here and nowhere else in the code base. */
export const processEnv = (): Env => process.env;

/**
 * Converts raw environment strings into an instance of `schema` and validates it once.
 * Values are never echoed in errors: some of them are secrets.
 */
export function validateEnv<T extends object>(schema: new () => T, env: Env): T {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ''),
  );
  const instance = plainToInstance(schema, present, {
    enableImplicitConversion: true,
    exposeDefaultValues: true,
  });
  const errors = validateSync(instance, { skipMissingProperties: false });
  if (errors.length > 0) throw new ConfigError(errors.flatMap(describe).sort());
  return instance;
}

function describe(error: ValidationError): string[] {
  const own = Object.values(error.constraints ?? {}).map((msg) => `${error.property}: ${msg}`);
  return [...own, ...(error.children ?? []).flatMap(describe)];
}
