import { applyDecorators } from '@nestjs/common';
import {
  ArrayMaxSize,
  Equals,
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateBy,
  ValidateIf,
  type ValidationOptions,
} from 'class-validator';
import { SECRET_FIELDS } from '@libs/observability';
import {
  ADMIN_CLIENT_EVENT_TYPES,
  type AdminClientEventType,
  type ClientEventPayload,
} from './admin-client-event';
import { IsCidrList } from './cidr.validator';
import { CLIENT_STATUSES, type ClientStatus } from './client-record';
import { isSecretHash } from './client-secret';

/** Largest `metadata` accepted, as serialized JSON. */
export const MAX_METADATA_BYTES = 16_384;

const SCOPE = /^[\x21\x23-\x5B\x5D-\x7E]{1,128}$/; // RFC 6749 §3.3 scope-token
const GRANT_TYPE = /^[\x21-\x7E]{1,128}$/;

/** class-validator: a stored secret format (`sha256$<64 hex>` or `$argon2id$…`). */
export const IsSecretHash = (options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'isSecretHash',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && isSecretHash(value),
        defaultMessage: () =>
          '$property must be "sha256$" followed by 64 lowercase hex digits, or an "$argon2id$" PHC string',
      },
    },
    options,
  );

/** class-validator: a plain object whose JSON is at most `maxBytes` long. */
export const IsSmallJsonObject = (maxBytes: number, options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'isSmallJsonObject',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'object' &&
          value !== null &&
          !Array.isArray(value) &&
          Buffer.byteLength(JSON.stringify(value)) <= maxBytes,
        defaultMessage: () => `$property must be a JSON object of at most ${maxBytes} bytes`,
      },
    },
    options,
  );

const optional = (...decorators: PropertyDecorator[]) =>
  applyDecorators(IsOptional(), ...decorators);
const needsCredential = (o: ClientEventPayload) =>
  o.client_secret_hash !== undefined || o.api_key_hash === undefined;
const CREDENTIAL_REQUIRED =
  'client_secret_hash or api_key_hash is required, as "sha256$" followed by 64 lowercase hex digits or an "$argon2id$" PHC string';

/** Fields every admin client event may carry; `client_id` and `version` are always required. */
abstract class AdminClientPayloadBase implements ClientEventPayload {
  @IsUUID()
  client_id!: string;

  /** Per-client version: an event older than the registry's version changes nothing. */
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  version!: number;

  @optional(IsString(), MinLength(1), MaxLength(128))
  client_code?: string;

  @optional(IsString(), MinLength(1), MaxLength(256))
  bap_id?: string;

  @optional(
    IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] }),
    MaxLength(2048),
  )
  bap_uri?: string;

  /** IP addresses or CIDRs; an empty list means any address. */
  @optional(IsCidrList(), ArrayMaxSize(256))
  allowed_ips?: string[];

  /** Token requests per rate-limit window. */
  @optional(IsInt(), Min(1), Max(1_000_000))
  rate_limit?: number;

  @optional(IsArray(), ArrayMaxSize(64), Matches(SCOPE, { each: true }))
  scopes?: string[];

  @optional(IsArray(), ArrayMaxSize(16), Matches(GRANT_TYPE, { each: true }))
  grant_types?: string[];

  @optional(IsObject(), IsSmallJsonObject(MAX_METADATA_BYTES))
  metadata?: Record<string, unknown>;
}

/** `client.created`: a new client; carries at least one credential hash. */
export class ClientCreatedPayload extends AdminClientPayloadBase {
  @ValidateIf(needsCredential)
  @IsSecretHash({ message: CREDENTIAL_REQUIRED })
  client_secret_hash?: string;

  @optional(IsSecretHash())
  api_key_hash?: string;

  @optional(IsIn(CLIENT_STATUSES))
  status?: ClientStatus;
}

/** `client.updated`: any subset of the client's fields. */
export class ClientUpdatedPayload extends AdminClientPayloadBase {
  @optional(IsSecretHash())
  client_secret_hash?: string;

  @optional(IsSecretHash())
  api_key_hash?: string;

  @optional(IsIn(CLIENT_STATUSES))
  status?: ClientStatus;
}

/** `client.api_key_rotated`: carries the new credential hash (api key or secret). */
export class ClientApiKeyRotatedPayload extends ClientCreatedPayload {}

/** `client.suspended`: needs only `client_id` and `version`; a status, if sent, must agree. */
export class ClientSuspendedPayload extends AdminClientPayloadBase {
  @optional(IsSecretHash())
  client_secret_hash?: string;

  @optional(IsSecretHash())
  api_key_hash?: string;

  @optional(Equals('SUSPENDED'))
  status?: ClientStatus;
}

/** `client.revoked`: needs only `client_id` and `version`; a status, if sent, must agree. */
export class ClientRevokedPayload extends AdminClientPayloadBase {
  @optional(IsSecretHash())
  client_secret_hash?: string;

  @optional(IsSecretHash())
  api_key_hash?: string;

  @optional(Equals('REVOKED'))
  status?: ClientStatus;
}

/** The payload class of each admin event type (what the consumer validates against). */
export const ADMIN_CLIENT_EVENT_PAYLOADS: Readonly<
  Record<AdminClientEventType, new () => ClientEventPayload>
> = {
  'client.created': ClientCreatedPayload,
  'client.updated': ClientUpdatedPayload,
  'client.api_key_rotated': ClientApiKeyRotatedPayload,
  'client.suspended': ClientSuspendedPayload,
  'client.revoked': ClientRevokedPayload,
};

const INSTANT_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** The envelope fields of an admin event besides its payload (`correlationId` is free text). */
export class AdminClientEventEnvelope {
  /** The event id (UUIDv7 from the Admin Service): the idempotency key. */
  @IsUUID()
  id!: string;

  @IsIn(ADMIN_CLIENT_EVENT_TYPES, {
    message: `type must be one of ${ADMIN_CLIENT_EVENT_TYPES.join(', ')}`,
  })
  type!: AdminClientEventType;

  /** When the change happened (a revocation revokes tokens issued before this instant). */
  @IsISO8601({ strict: true, strictSeparator: true })
  @Matches(INSTANT_WITH_ZONE, {
    message: 'occurredAt must be an ISO-8601 date-time with a time zone',
  })
  occurredAt!: string;
}

const compact = (name: string) => name.toLowerCase().replace(/[-_]/g, '');
const SECRET_NAMES: ReadonlySet<string> = new Set(SECRET_FIELDS.map(compact));
const MAX_DEPTH = 32;

/** True for a field name that suggests a plaintext secret (`client_secret`, `apiKey`, …). */
export function looksLikeSecretField(name: string): boolean {
  const key = compact(name);
  // Stored formats are fine: `client_secret_hash`, `api_key_hash`, `previous_secret_hash`.
  if (key.endsWith('hash')) return false;
  return (
    SECRET_NAMES.has(key) ||
    /secret|password|passwd|apikey|privatekey|credential/.test(key) ||
    key.endsWith('token')
  );
}

/**
 * What may never be stored from an event, anywhere in `value`: fields named like plaintext
 * secrets (payloads carry hashes only) and NUL characters (PostgreSQL text refuses them).
 * Returns one message per problem, naming the path, never the value.
 */
export function unsafeContent(value: unknown, path = '', depth = 0): string[] {
  if (typeof value === 'string')
    return value.includes('\u0000') ? [`${path || 'value'}: must not contain NUL characters`] : [];
  if (typeof value !== 'object' || value === null) return [];
  if (depth > MAX_DEPTH) return [`${path}: nested deeper than ${MAX_DEPTH} levels`];
  if (Array.isArray(value))
    return value.flatMap((item, i) => unsafeContent(item, `${path}[${i}]`, depth + 1));
  return Object.entries(value).flatMap(([key, item]) => {
    const at = path ? `${path}.${key}` : key;
    const own = looksLikeSecretField(key)
      ? [
          `${at}: plaintext secrets are never accepted; send only hashes (client_secret_hash, api_key_hash)`,
        ]
      : [];
    return [...own, ...unsafeContent(key, at, depth), ...unsafeContent(item, at, depth + 1)];
  });
}
