import type { Redis } from 'ioredis';
import type { AdminClientEvent } from '@libs/models';

/** One entry as the Admin Service writes it (the contract of docs/asyncapi.yaml). */
export interface AdminEntry {
  id: string;
  type: string;
  occurredAt: string;
  correlationId?: string;
  /** An object (serialized here) or raw text, to publish unparseable payloads. */
  payload: object | string;
}

/**
 * XADDs entries to the stream under `key` exactly as the Admin Service's contract prescribes
 * (`MAXLEN ~ 100000`, fields id, type, occurredAt, correlationId, payload), in one pipeline.
 * Resolves with the entry ids.
 */
export async function xaddAdminEntries(
  redis: Redis,
  key: string,
  entries: readonly (AdminEntry | AdminClientEvent)[],
): Promise<string[]> {
  const pipeline = redis.pipeline();
  for (const e of entries) {
    const payload = typeof e.payload === 'string' ? e.payload : JSON.stringify(e.payload);
    const correlationId = ('correlationId' in e && e.correlationId) || 'test';
    const fields = ['id', e.id, 'type', e.type, 'occurredAt', e.occurredAt];
    pipeline.xadd(
      key,
      'MAXLEN',
      '~',
      100_000,
      '*',
      ...fields,
      'correlationId',
      correlationId,
      'payload',
      payload,
    );
  }
  const results = (await pipeline.exec()) ?? [];
  return results.map(([error, id]) => {
    if (error) throw error;
    return id as string;
  });
}
