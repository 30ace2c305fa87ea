import { Transform } from 'class-transformer';
import { ValidateBy, type ValidationOptions } from 'class-validator';

function isUrlWithProtocol(value: unknown, protocols: readonly string[]): boolean {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return protocols.includes(url.protocol) && url.hostname.length > 0;
  } catch {
    return false;
  }
}

const urlValidator = (name: string, protocols: readonly string[], options?: ValidationOptions) =>
  ValidateBy(
    {
      name,
      validator: {
        validate: (value: unknown) => isUrlWithProtocol(value, protocols),
        defaultMessage: () =>
          `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
      },
    },
    options,
  );

export const IsPostgresUrl = (options?: ValidationOptions) =>
  urlValidator('isPostgresUrl', ['postgres:', 'postgresql:'], options);
export const IsRedisUrl = (options?: ValidationOptions) =>
  urlValidator('isRedisUrl', ['redis:', 'rediss:'], options);
export const IsHttpUrl = (options?: ValidationOptions) =>
  urlValidator('isHttpUrl', ['http:', 'https:'], options);

/**
 * Parses a boolean variable strictly from its raw text (1/true/yes/on, 0/false/no/off). Reads
 * the raw value itself: with implicit conversion on, class-transformer would already have
 * turned the string "false" into `true`. Anything else stays a string and fails @IsBoolean.
 */
export const EnvBoolean = () =>
  Transform(({ obj, key }: { obj: Record<string, unknown>; key: string }) => {
    const raw = obj[key];
    if (typeof raw !== 'string') return raw;
    const v = raw.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(v)) return true;
    if (['0', 'false', 'no', 'off'].includes(v)) return false;
    return raw;
  });
