import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { CredentialsChangedEvent } from './credential-events';
import { run, runChange } from './credential.repository';

const TABLE = 'client_registry.credentials_outbox';

/** A committed credential change waiting to be published. */
export interface CredentialsOutboxRow extends CredentialsChangedEvent {
  event_id: string;
  correlation_id: string | null;
}

/** Queries of `client_registry.credentials_outbox`: rows live until they are published. */
@Injectable()
export class CredentialsOutboxRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Adds a change inside the caller's transaction (the one that changed the credentials). */
  async insert(manager: EntityManager, row: CredentialsOutboxRow): Promise<void> {
    await run(
      manager,
      `INSERT INTO ${TABLE} (event_id, user_id, provider, change, correlation_id)
       VALUES ($1, $2, $3, $4, $5)`,
      [row.event_id, row.user_id, row.provider, row.change, row.correlation_id],
    );
  }

  /**
   * Deletes and returns the oldest rows, oldest first, for the caller's transaction: they come
   * back if it rolls back. SKIP LOCKED lets several registry pods relay at once.
   */
  async take(
    manager: EntityManager,
    limit: number,
  ): Promise<(CredentialsOutboxRow & { occurred_at: string })[]> {
    const rows = await runChange<CredentialsOutboxRow & { id: string; occurred_at: string }>(
      manager,
      `DELETE FROM ${TABLE}
       WHERE id IN (SELECT id FROM ${TABLE} ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING id, event_id, user_id, provider, change, correlation_id,
         to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS occurred_at`,
      [limit],
    );
    return rows.sort((a, b) => Number(a.id) - Number(b.id)).map(({ id: _, ...row }) => row);
  }

  /** Seconds since the oldest unpublished change was committed (0 when none waits). */
  async lagSeconds(): Promise<number> {
    const [row] = await run<{ lag: number }>(
      this.dataSource.manager,
      `SELECT COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float8 AS lag FROM ${TABLE}`,
      [],
    );
    return row.lag;
  }
}
