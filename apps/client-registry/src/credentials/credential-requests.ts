import { isSecretHash } from '@libs/models';
import { PROVIDERS, type ProviderName } from '@libs/provider-clients';
import { fieldsOf, MAILBOX_PROVIDERS, type FieldSpec } from './credential-fields';
import type { ListPageQuery } from './credential.repository';
import { CredentialsError } from './credentials.errors';

// RPC payloads come from other Portico services. Every problem is collected into one 65012
// message that names fields, never their values (they are secrets).

/** Which stored credentials a request is about. */
export interface CredentialKey {
  readonly userId: string;
  readonly provider: ProviderName;
}

/** `replace`: the row becomes exactly what is given. `merge`: given fields change, others stay. */
export type PutMode = 'replace' | 'merge';

export interface PutCredentialsCommand extends CredentialKey {
  readonly mode: PutMode;
  /** Given credential fields by their `@libs/provider-clients` names; null clears an optional one. */
  readonly fields: ReadonlyMap<string, string | null>;
  readonly email?: string | null;
  readonly scopes?: readonly string[] | null;
  readonly isActive?: boolean;
}

const MAX_SECRET_LENGTH = 16_384;
const MAX_SCOPES = 100;
const PUT_KEYS = new Set([
  'user_id',
  'provider',
  'mode',
  'credentials',
  'email',
  'scopes',
  'is_active',
]);
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** `{ user_id, provider }` of `credentials.get` and `credentials.delete`. */
export function parseCredentialKey(payload: unknown): CredentialKey {
  const problems: string[] = [];
  const key = readKey(isRecord(payload) ? payload : {}, problems);
  if (problems.length > 0) throw CredentialsError.invalid(problems);
  return key;
}

/** `credentials.put`: checked field by field against what the provider needs. */
export function parsePutCredentials(payload: unknown): PutCredentialsCommand {
  const p = isRecord(payload) ? payload : {};
  const problems: string[] = [];
  for (const name of Object.keys(p)) {
    if (!PUT_KEYS.has(name)) problems.push(`unknown field ${name}`);
  }
  const key = readKey(p, problems);
  const mode = p.mode ?? 'replace';
  if (mode !== 'replace' && mode !== 'merge') problems.push('mode must be "replace" or "merge"');
  if (p.is_active !== undefined && typeof p.is_active !== 'boolean') {
    problems.push('is_active must be a boolean');
  }
  // The provider decides which fields are valid: without one, there is nothing more to check.
  if (!PROVIDERS.includes(key.provider)) throw CredentialsError.invalid(problems);
  const command: PutCredentialsCommand = {
    ...key,
    mode: mode as PutMode,
    fields: readFields(p.credentials, key.provider, mode === 'merge', problems),
    email: readMailboxField(p, 'email', key.provider, problems, readEmail),
    scopes: readMailboxField(p, 'scopes', key.provider, problems, readScopes),
    isActive: p.is_active as boolean | undefined,
  };
  const { fields, email, scopes, isActive } = command;
  const unchanged = fields.size === 0 && [email, scopes, isActive].every((v) => v === undefined);
  if (mode === 'merge' && unchanged && problems.length === 0) {
    problems.push('a merge must change at least one field');
  }
  if (problems.length > 0) throw CredentialsError.invalid(problems);
  return command;
}

/** `credentials.setRelayLogin`: the mail relay's local login of a Gmail / Outlook row. */
export interface SetRelayLoginCommand extends CredentialKey {
  /** `sha256$…` or `$argon2id$…`; null removes the login (and the budget with it). */
  readonly passwordHash: string | null;
  readonly maxMessagesPerHour: number | null;
}

const LIST_KEYS = new Set(['provider', 'after', 'limit', 'relay_only']);
const RELAY_LOGIN_KEYS = new Set(['user_id', 'provider', 'password_hash', 'max_messages_per_hour']);
export const DEFAULT_LIST_LIMIT = 100;
export const MAX_LIST_LIMIT = 500;

/** `credentials.list`: `{ provider, after?, limit?, relay_only? }`. */
export function parseListCredentials(payload: unknown): ListPageQuery {
  const p = isRecord(payload) ? payload : {};
  const problems = unknownKeys(p, LIST_KEYS);
  const { provider, after, limit = DEFAULT_LIST_LIMIT, relay_only: relayOnly = false } = p;
  if (!PROVIDERS.includes(provider as ProviderName)) {
    problems.push(`provider must be one of ${PROVIDERS.join(', ')}`);
  }
  if (after !== undefined && (typeof after !== 'string' || after.length > 255)) {
    problems.push('after must be a user_id (a string of at most 255 characters)');
  }
  if (!Number.isInteger(limit) || (limit as number) < 1 || (limit as number) > MAX_LIST_LIMIT) {
    problems.push(`limit must be an integer from 1 to ${MAX_LIST_LIMIT}`);
  }
  if (typeof relayOnly !== 'boolean') problems.push('relay_only must be a boolean');
  if (problems.length > 0) throw CredentialsError.invalid(problems);
  return {
    provider: provider as ProviderName,
    after: after as string | undefined,
    limit: limit as number,
    relayOnly: relayOnly as boolean,
  };
}

/** `credentials.setRelayLogin`: `{ user_id, provider, password_hash, max_messages_per_hour? }`. */
export function parseSetRelayLogin(payload: unknown): SetRelayLoginCommand {
  const p = isRecord(payload) ? payload : {};
  const problems = unknownKeys(p, RELAY_LOGIN_KEYS);
  const key = readKey(p, problems);
  if (PROVIDERS.includes(key.provider) && !MAILBOX_PROVIDERS.has(key.provider)) {
    problems.push(`a relay login does not apply to provider ${key.provider}`);
  }
  const { password_hash: hash, max_messages_per_hour: perHour = null } = p;
  if (hash !== null && (typeof hash !== 'string' || !isSecretHash(hash))) {
    problems.push('password_hash must be a sha256$ or $argon2id$ hash, or null');
  }
  if (perHour !== null && (!Number.isInteger(perHour) || (perHour as number) < 1)) {
    problems.push('max_messages_per_hour must be an integer of at least 1, or null');
  }
  if (hash === null && perHour !== null) {
    problems.push('max_messages_per_hour needs a password_hash');
  }
  if (problems.length > 0) throw CredentialsError.invalid(problems);
  return {
    ...key,
    passwordHash: hash as string | null,
    maxMessagesPerHour: perHour as number | null,
  };
}

function unknownKeys(p: Record<string, unknown>, known: ReadonlySet<string>): string[] {
  return Object.keys(p)
    .filter((name) => !known.has(name))
    .map((name) => `unknown field ${name}`);
}

function readKey(p: Record<string, unknown>, problems: string[]): CredentialKey {
  const { user_id: userId, provider } = p;
  if (
    typeof userId !== 'string' ||
    userId.length === 0 ||
    userId.length > 255 ||
    CONTROL.test(userId)
  ) {
    problems.push('user_id must be a string of 1 to 255 printable characters');
  }
  if (!PROVIDERS.includes(provider as ProviderName)) {
    problems.push(`provider must be one of ${PROVIDERS.join(', ')}`);
  }
  return { userId: userId as string, provider: provider as ProviderName };
}

function readFields(
  value: unknown,
  provider: ProviderName,
  merge: boolean,
  problems: string[],
): Map<string, string | null> {
  const fields = new Map<string, string | null>();
  if (value === undefined && merge) return fields;
  if (!isRecord(value)) {
    problems.push(`credentials must be an object with the ${provider} fields`);
    return fields;
  }
  const specs = new Map(fieldsOf(provider));
  for (const name of Object.keys(value)) {
    if (name === 'provider' ? value.provider !== provider : !specs.has(name)) {
      problems.push(`credentials.${name} does not apply to provider ${provider}`);
    }
  }
  for (const [name, spec] of specs) {
    const given = value[name];
    if (given === undefined || given === null) {
      if (spec.required && (given === null || !merge)) {
        problems.push(`credentials.${name} is required for provider ${provider}`);
      } else if (given === null) fields.set(name, null);
      continue;
    }
    const checked = checkField(given, spec);
    if (typeof checked === 'string') fields.set(name, checked);
    else problems.push(`credentials.${name} ${checked.problem}`);
  }
  return fields;
}

/** The value to store, or what is wrong with it (never echoing the value). */
function checkField(value: unknown, spec: FieldSpec): string | { problem: string } {
  switch (spec.kind) {
    case 'secret':
      return typeof value === 'string' &&
        value.length > 0 &&
        value.length <= MAX_SECRET_LENGTH &&
        value.trim() === value
        ? value
        : {
            problem: `must be a non-empty string of at most ${MAX_SECRET_LENGTH} characters without surrounding whitespace`,
          };
    case 'time':
      return typeof value === 'string' && ISO_TIME.test(value) && !Number.isNaN(Date.parse(value))
        ? new Date(value).toISOString()
        : { problem: 'must be an ISO-8601 date-time with a time zone' };
    case 'url':
      return isTokenUrl(value)
        ? value
        : { problem: 'must be an https URL (http only for a loopback host)' };
  }
}

function isTokenUrl(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > 2_048 || !URL.canParse(value)) return false;
  const url = new URL(value);
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname));
}

/** `email` and `scopes`: only for mailbox providers; null clears. */
function readMailboxField<T>(
  p: Record<string, unknown>,
  name: 'email' | 'scopes',
  provider: ProviderName,
  problems: string[],
  read: (value: unknown) => T | undefined,
): T | null | undefined {
  const value = p[name];
  if (value === undefined || value === null) return value;
  if (!MAILBOX_PROVIDERS.has(provider)) {
    problems.push(`${name} does not apply to provider ${provider}`);
    return undefined;
  }
  const parsed = read(value);
  if (parsed === undefined) {
    problems.push(
      name === 'email'
        ? 'email must be an email address of at most 320 characters'
        : `scopes must be an array of at most ${MAX_SCOPES} non-empty strings without spaces`,
    );
  }
  return parsed;
}

function readEmail(value: unknown): string | undefined {
  return typeof value === 'string' && value.length <= 320 && EMAIL.test(value) ? value : undefined;
}

function readScopes(value: unknown): string[] | undefined {
  const ok =
    Array.isArray(value) &&
    value.length <= MAX_SCOPES &&
    value.every((s) => typeof s === 'string' && /^\S{1,512}$/.test(s));
  return ok ? (value as string[]) : undefined;
}
