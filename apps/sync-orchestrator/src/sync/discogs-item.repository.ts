import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { SyncType } from '@libs/sync-client';
import type { DiscogsItem } from '../discogs/discogs-page.parser';
import type { Db } from './sql';

const TABLE = 'sync.discogs_items';

/** The synced releases and wants, one row per user, type and instance id. */
@Injectable()
export class DiscogsItemRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Inserts or refreshes a page of items in one statement (replays change nothing). */
  async upsert(
    db: Db,
    session: { sessionId: string; userId: string; syncType: SyncType },
    items: readonly DiscogsItem[],
  ): Promise<void> {
    if (items.length === 0) return;
    await db.query(
      `INSERT INTO ${TABLE} (user_id, sync_type, instance_id, release_id, folder_id, rating,
         date_added, basic_information, notes, last_session_id)
       SELECT $1, $2, i.instance_id, i.release_id, i.folder_id, i.rating, i.date_added,
         i.basic_information, i.notes, $3
       FROM unnest($4::bigint[], $5::bigint[], $6::bigint[], $7::smallint[], $8::timestamptz[],
         $9::jsonb[], $10::jsonb[])
         AS i(instance_id, release_id, folder_id, rating, date_added, basic_information, notes)
       ON CONFLICT (user_id, sync_type, instance_id) DO UPDATE SET
         release_id = EXCLUDED.release_id, folder_id = EXCLUDED.folder_id,
         rating = EXCLUDED.rating, date_added = EXCLUDED.date_added,
         basic_information = EXCLUDED.basic_information, notes = EXCLUDED.notes,
         last_session_id = EXCLUDED.last_session_id, updated_at = now()`,
      [
        session.userId,
        session.syncType,
        session.sessionId,
        items.map((i) => i.instanceId),
        items.map((i) => i.releaseId),
        items.map((i) => i.folderId),
        items.map((i) => i.rating),
        items.map((i) => i.dateAdded),
        items.map((i) => JSON.stringify(i.basicInformation)),
        items.map((i) => (i.notes === null ? null : JSON.stringify(i.notes))),
      ],
    );
  }

  /** After a full sync: removes what the user no longer has (rows this session did not see). */
  async prune(userId: string, syncType: SyncType, sessionId: string): Promise<number> {
    const result: unknown = await this.dataSource.query(
      `DELETE FROM ${TABLE} WHERE user_id = $1 AND sync_type = $2 AND last_session_id <> $3`,
      [userId, syncType, sessionId],
    );
    return Array.isArray(result) && typeof result[1] === 'number' ? result[1] : 0;
  }
}
