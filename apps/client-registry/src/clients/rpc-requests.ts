import { ADMIN_CLIENT_EVENT_TYPES, CLIENT_STATUSES, type AdminClientEvent } from '@libs/models';
import type { ListQuery } from './client.repository';
import { ClientsError, ClientsErrorCode } from './clients.errors';

// RPC payloads come from other Portico services (the event consumer validated admin events in
// full with class-validator); these checks are cheap structural guards so a malformed request
// gets a clear error instead of a database exception, without per-event validation cost.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TYPES: ReadonlySet<string> = new Set(ADMIN_CLIENT_EVENT_TYPES);
const MAX_BATCH = 5_000;

const invalid = (message: string) => new ClientsError(ClientsErrorCode.InvalidInput, message);
const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export function parseClientId(payload: unknown): string {
  const id = isRecord(payload) ? payload.client_id : undefined;
  if (typeof id !== 'string' || !UUID.test(id)) throw invalid('client_id must be a uuid');
  return id;
}

export function parseListRequest(payload: unknown): ListQuery {
  const p = isRecord(payload) ? payload : {};
  const limit = p.limit === undefined ? 100 : p.limit;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > 1_000)
    throw invalid('limit must be an integer from 1 to 1000');
  if (p.status !== undefined && !CLIENT_STATUSES.includes(p.status as never))
    throw invalid('status is not a client status');
  if (p.after !== undefined && (typeof p.after !== 'string' || !UUID.test(p.after)))
    throw invalid('after must be a uuid');
  return { limit, status: p.status as ListQuery['status'], after: p.after as string | undefined };
}

export function parseApplyEvents(payload: unknown): AdminClientEvent[] {
  const events = isRecord(payload) ? payload.events : undefined;
  if (!Array.isArray(events) || events.length > MAX_BATCH)
    throw invalid(`events must be an array of at most ${MAX_BATCH}`);
  events.forEach((event: unknown, i) => {
    const e = isRecord(event) ? event : {};
    const p = isRecord(e.payload) ? e.payload : {};
    const ok =
      typeof e.id === 'string' &&
      TYPES.has(e.type as string) &&
      typeof e.occurredAt === 'string' &&
      !Number.isNaN(Date.parse(e.occurredAt)) &&
      typeof p.client_id === 'string' &&
      UUID.test(p.client_id) &&
      Number.isSafeInteger(p.version) &&
      (p.version as number) >= 1;
    if (!ok) throw invalid(`events[${i}] is not a valid admin client event`);
  });
  return events as AdminClientEvent[];
}
