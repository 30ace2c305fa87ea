import {
  normalizeCidr,
  type AdminClientEvent,
  type ClientEventPayload,
  type ClientRecord,
} from '@libs/models';

type Fields = Omit<ClientEventPayload, 'client_id' | 'version' | 'status'>;
const FIELD_NAMES: (keyof Fields)[] = [
  'client_code',
  'client_secret_hash',
  'api_key_hash',
  'bap_id',
  'bap_uri',
  'allowed_ips',
  'rate_limit',
  'scopes',
  'grant_types',
  'metadata',
];
/** Fields an older event may still fill when the row never had them (never lifecycle state). */
const FILLABLE: (keyof Fields)[] = [
  'client_code',
  'client_secret_hash',
  'api_key_hash',
  'bap_id',
  'bap_uri',
];

/** A new, empty record for a client first seen through an event or an operator. */
export function blankRecord(clientId: string, now: string): ClientRecord {
  return {
    client_id: clientId,
    client_code: null,
    client_secret_hash: null,
    api_key_hash: null,
    bap_id: null,
    bap_uri: null,
    allowed_ips: [],
    rate_limit: null,
    scopes: [],
    grant_types: ['client_credentials'],
    status: 'ACTIVE',
    metadata: {},
    version: 0,
    revoked_before: null,
    previous_secret_hash: null,
    previous_secret_expires_at: null,
    access_token_ttl: null,
    created_at: now,
    updated_at: now,
    last_synced_at: null,
  };
}

function withFields(record: ClientRecord, payload: Fields, only?: (keyof Fields)[]): ClientRecord {
  const next: ClientRecord = { ...record };
  for (const name of only ?? FIELD_NAMES) {
    const value = payload[name];
    if (value === undefined) continue;
    if (only && next[name] !== null) continue;
    (next as unknown as Record<string, unknown>)[name] =
      name === 'allowed_ips' ? (value as string[]).map(normalizeCidr) : value;
  }
  return next;
}

/**
 * Applies one admin event. A newer version replaces what the event carries (and the status
 * the event implies); an older one may only fill identity fields the row never had, so a
 * `client.created` arriving after `client.suspended` still supplies the secret hash without
 * undoing the suspension. Returns the record unchanged when nothing applies.
 */
export function applyEvent(
  current: ClientRecord | undefined,
  event: AdminClientEvent,
  now: string,
): ClientRecord {
  const base = current ?? blankRecord(event.payload.client_id, now);
  const { payload } = event;
  if (payload.version <= base.version) return withFields(base, payload, FILLABLE);
  let next = withFields({ ...base, version: payload.version }, payload);
  switch (event.type) {
    case 'client.created':
    case 'client.updated':
    case 'client.api_key_rotated':
      // Revocation is final, for events as for operators: a revoked client stays revoked.
      next = {
        ...next,
        status: base.status === 'REVOKED' ? 'REVOKED' : (payload.status ?? base.status),
      };
      break;
    case 'client.suspended':
      next = { ...next, status: base.status === 'REVOKED' ? 'REVOKED' : 'SUSPENDED' };
      break;
    case 'client.revoked': {
      const before =
        base.revoked_before && base.revoked_before > event.occurredAt
          ? base.revoked_before
          : event.occurredAt;
      next = { ...next, status: 'REVOKED', revoked_before: before };
      break;
    }
  }
  return { ...next, last_synced_at: now };
}

/** Bookkeeping timestamps, which change on every write and are not a change of the client. */
const BOOKKEEPING: ReadonlySet<string> = new Set(['updated_at', 'last_synced_at']);

/** True when two records differ in anything but bookkeeping timestamps. */
export function recordChanged(a: ClientRecord | undefined, b: ClientRecord): boolean {
  if (!a) return true;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return true;
  return keys.some(
    (key) =>
      !BOOKKEEPING.has(key) &&
      !sameJson(a[key as keyof ClientRecord], b[key as keyof ClientRecord]),
  );
}

/**
 * Equality of JSON values as their serializations would compare, without serializing (this
 * runs once per applied event): arrays element by element, objects key by key in order.
 */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const aKeys = Object.keys(a);
  const bKeys = Object.keys(b);
  if (aKeys.length !== bKeys.length) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  return aKeys.every((key, i) => key === bKeys[i] && sameJson(x[key], y[key]));
}
