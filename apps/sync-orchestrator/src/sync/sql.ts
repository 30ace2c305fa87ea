import type { DataSource, EntityManager } from 'typeorm';

/** Something that runs SQL: the DataSource or a transaction's EntityManager. */
export type Db = DataSource | EntityManager;

/** Rows of any statement (TypeORM answers `[rows, count]` for UPDATE and DELETE). */
export async function rows<T>(db: Db, sql: string, params: unknown[] = []): Promise<T[]> {
  const result: unknown = await db.query(sql, params);
  if (Array.isArray(result) && result.length === 2 && typeof result[1] === 'number') {
    return result[0] as T[];
  }
  return result as T[];
}

/** PostgreSQL's unique_violation. */
export const isUniqueViolation = (error: unknown): boolean =>
  (error as { driverError?: { code?: string }; code?: string }).driverError?.code === '23505' ||
  (error as { code?: string }).code === '23505';

/** Session statuses in which a sync still runs. */
export const ACTIVE_STATUSES = `('initiated', 'in_progress', 'paused')`;
/** Request statuses that still need an answer. */
export const OPEN_REQUEST_STATUSES = `('pending', 'sent', 'retrying')`;
