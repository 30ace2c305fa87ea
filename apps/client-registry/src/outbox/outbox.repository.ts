import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { ClientStatus } from '@libs/models';

const TABLE = 'client_registry.outbox';

/** A committed client change waiting to be published on `stream:client-registry.changes`. */
export interface OutboxRow {
  id: string;
  event_id: string;
  client_id: string;
  version: number;
  status: ClientStatus;
  change: string;
  correlation_id: string | null;
}

export type NewOutboxRow = Omit<OutboxRow, 'id'>;

/** Queries of `client_registry.outbox`. */
@Injectable()
export class OutboxRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Adds change rows inside the caller's transaction (the one that changed the clients). */
  async insert(manager: EntityManager, rows: readonly NewOutboxRow[]): Promise<void> {
    if (rows.length === 0) return;
    await manager.query(
      `INSERT INTO ${TABLE} (event_id, client_id, version, status, change, correlation_id)
       SELECT event_id, client_id, version, status, change, correlation_id
       FROM jsonb_to_recordset($1::jsonb)
         AS r(event_id uuid, client_id uuid, version bigint, status text, change text, correlation_id text)`,
      [JSON.stringify(rows)],
    );
  }

  /**
   * Locks the oldest unsent rows for the caller's transaction. SKIP LOCKED lets several
   * registry pods relay at once without publishing a row twice in the normal case.
   */
  async lockUnsent(manager: EntityManager, limit: number): Promise<OutboxRow[]> {
    return manager.query(
      `SELECT id::text AS id, event_id, client_id, version::float8 AS version, status, change, correlation_id
       FROM ${TABLE} WHERE sent_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [limit],
    ) as Promise<OutboxRow[]>;
  }

  async markSent(manager: EntityManager, ids: readonly string[]): Promise<void> {
    await manager.query(`UPDATE ${TABLE} SET sent_at = now() WHERE id = ANY($1::bigint[])`, [ids]);
  }

  /** Seconds since the oldest unsent row was committed (0 when none waits). */
  async lagSeconds(): Promise<number> {
    const [row] = (await this.dataSource.query(
      `SELECT COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float8 AS lag
       FROM ${TABLE} WHERE sent_at IS NULL`,
    )) as { lag: number }[];
    return row.lag;
  }

  /** Deletes rows published longer ago than `retentionSeconds`. */
  async prune(retentionSeconds: number): Promise<number> {
    const result = (await this.dataSource.query(
      `DELETE FROM ${TABLE} WHERE sent_at < now() - make_interval(secs => $1)`,
      [retentionSeconds],
    )) as [unknown, number];
    return result[1];
  }
}
