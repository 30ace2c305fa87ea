import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { ClientStatus } from '@libs/models';

const TABLE = 'client_registry.outbox';

/** One committed client change, published on `stream:client-registry.changes` with its id. */
export interface OutboxChange {
  event_id: string;
  client_id: string;
  version: number;
  status: ClientStatus;
  change: string;
}

/** The changes one registry transaction committed, waiting to be published. */
export interface OutboxRow {
  id: string;
  changes: OutboxChange[];
  correlation_id: string | null;
}

/** Queries of `client_registry.outbox`. */
@Injectable()
export class OutboxRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Adds the changes of the caller's transaction (the one that changed the clients) as one row:
   * a batch of a thousand changes costs PostgreSQL one row, not a thousand. Answers the row's id.
   */
  async insert(
    manager: EntityManager,
    changes: readonly OutboxChange[],
    correlationId: string | null,
  ): Promise<string | undefined> {
    if (changes.length === 0) return undefined;
    const [row] = (await manager.query(
      `INSERT INTO ${TABLE} (changes, correlation_id) VALUES ($1::jsonb, $2) RETURNING id::text AS id`,
      [JSON.stringify(changes), correlationId],
    )) as { id: string }[];
    return row.id;
  }

  /**
   * Locks the oldest unsent rows for the caller's transaction. SKIP LOCKED lets several
   * registry pods relay at once without publishing a row twice in the normal case.
   */
  async lockUnsent(manager: EntityManager, limit: number): Promise<OutboxRow[]> {
    return manager.query(
      `SELECT id::text AS id, changes, correlation_id
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
