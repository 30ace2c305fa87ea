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
