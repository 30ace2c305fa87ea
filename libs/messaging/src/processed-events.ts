import type { EntityManager } from 'typeorm';

const TABLE_NAME = /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/;

/**
 * Records event ids as processed inside the caller's transaction and resolves with the ids
 * that were new; the others were handled before and must be skipped. Because the insert commits
 * or rolls back with the caller's changes, an event counts as processed exactly when its
 * effects are committed. `table` (optionally schema-qualified) has `event_id text` as its
 * primary key and `processed_at timestamptz default now()`.
 */
export async function recordProcessed(
  manager: EntityManager,
  table: string,
  eventIds: readonly string[],
): Promise<Set<string>> {
  // The name is interpolated into SQL, so only plain identifiers are accepted.
  if (!TABLE_NAME.test(table)) throw new Error(`invalid processed-events table name "${table}"`);
  if (eventIds.length === 0) return new Set();
  const rows = (await manager.query(
    `INSERT INTO ${table} (event_id) SELECT DISTINCT unnest($1::text[])
     ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
    [eventIds],
  )) as { event_id: string }[];
  return new Set(rows.map((row) => row.event_id));
}
