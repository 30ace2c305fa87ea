import { createHash } from 'node:crypto';
import { IsOptional, ValidateBy, type ValidationOptions } from 'class-validator';
import type { CommonEnv } from './common.env';
import { ConfigError } from './config.error';

const KEY_BYTES = 32;
const KEY_PATTERN = /^[A-Za-z0-9+/_-]{43}=?$/;

/** Decodes a 32-byte key written in base64 (standard or URL-safe), or undefined when it is not one. */
function decodeKey(value: string): Buffer | undefined {
  if (!KEY_PATTERN.test(value)) return undefined;
  const key = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return key.length === KEY_BYTES ? key : undefined;
}

const splitList = (value: string) =>
  value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v.length > 0);

const IsBase64Keys = (list: boolean, options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'isBase64Key',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' &&
          (list ? splitList(value) : [value]).every((v) => decodeKey(v) !== undefined),
        defaultMessage: () =>
          `must be ${list ? 'a comma-separated list of ' : ''}${KEY_BYTES} random bytes in base64 (openssl rand -base64 32)`,
      },
    },
    options,
  );

/** The key-encryption key that wraps the data keys of secrets at rest. */
export class KekEnv {
  /** 32 random bytes, base64; required unless NODE_ENV=development. */
  @IsOptional()
  @IsBase64Keys(false)
  PORTICO_KEK?: string;

  /** Former KEKs (comma-separated), still able to unwrap data keys until they are rewrapped. */
  @IsOptional()
  @IsBase64Keys(true)
  PORTICO_KEK_PREVIOUS?: string;
}

/**
 * The KEK and any former ones. Key bytes sit in private fields and never appear when the config
 * is logged or serialized.
 */
export class KekConfig {
  readonly #current: Buffer;
  readonly #previous: readonly Buffer[];

  constructor(
    current: Buffer,
    previous: readonly Buffer[],
    /** True when the well-known development key is in use (never outside development). */
    readonly isDevelopmentDefault: boolean,
  ) {
    this.#current = Buffer.from(current);
    this.#previous = previous.map((k) => Buffer.from(k));
  }

  /** The KEK that wraps new data keys (a copy). */
  get current(): Buffer {
    return Buffer.from(this.#current);
  }

  /** Former KEKs, for unwrapping only (copies). */
  get previous(): Buffer[] {
    return this.#previous.map((k) => Buffer.from(k));
  }

  toJSON(): object {
    return { isDevelopmentDefault: this.isDevelopmentDefault, previous: this.#previous.length };
  }
}

/** Publicly known, hence worthless as protection: development only. */
const DEVELOPMENT_KEK = createHash('sha256')
  .update('portico development key-encryption key: not a secret')
  .digest();

/** The KEK section; the development default exists only when NODE_ENV=development. */
export function kekSection(env: KekEnv & CommonEnv, warnings: string[]): KekConfig {
  const development = env.NODE_ENV === 'development';
  const previous = splitList(env.PORTICO_KEK_PREVIOUS ?? '').map((v) => decodeKey(v)!);
  if (!env.PORTICO_KEK) {
    if (!development) {
      throw new ConfigError(['PORTICO_KEK: is required unless NODE_ENV=development']);
    }
    warnings.push(
      'PORTICO_KEK is not set: secrets at rest are encrypted with the PUBLIC development KEK. ' +
        'Never store real credentials this way.',
    );
    return new KekConfig(DEVELOPMENT_KEK, previous, true);
  }
  const current = decodeKey(env.PORTICO_KEK)!;
  if (!development && [current, ...previous].some((k) => k.equals(DEVELOPMENT_KEK))) {
    throw new ConfigError([
      'PORTICO_KEK: the development KEK is not allowed unless NODE_ENV=development',
    ]);
  }
  return new KekConfig(current, previous, current.equals(DEVELOPMENT_KEK));
}
