import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Discogs syncs of sync-orchestrator: sessions, the requests they plan, rate limits, items. */
export class CreateSyncTables1763683300000 implements MigrationInterface {
  name = 'CreateSyncTables1763683300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE sync.discogs_collection_syncs (
        session_id uuid PRIMARY KEY,
        user_id text NOT NULL,
        sync_type text NOT NULL CHECK (sync_type IN ('collection', 'wantlist')),
        status text NOT NULL CHECK (status IN
          ('initiated', 'in_progress', 'paused', 'completed', 'failed', 'cancelled')),
        full_sync boolean NOT NULL DEFAULT false,
        page_limit integer CHECK (page_limit > 0),
        discogs_username text,
        total_items integer,
        processed_items integer NOT NULL DEFAULT 0,
        total_requests integer NOT NULL DEFAULT 0,
        completed_requests integer NOT NULL DEFAULT 0,
        failed_requests integer NOT NULL DEFAULT 0,
        last_page integer,
        total_pages integer,
        started_at timestamptz,
        completed_at timestamptz,
        error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // At most one running sync per user and type; the index also makes starting one race-free.
    await queryRunner.query(`
      CREATE UNIQUE INDEX discogs_collection_syncs_one_active
        ON sync.discogs_collection_syncs (user_id, sync_type)
        WHERE status IN ('initiated', 'in_progress', 'paused')`);
    await queryRunner.query(`
      CREATE INDEX discogs_collection_syncs_user_created
        ON sync.discogs_collection_syncs (user_id, created_at DESC)`);
    await queryRunner.query(`
      CREATE TABLE sync.discogs_api_requests (
        request_id uuid PRIMARY KEY,
        session_id uuid NOT NULL
          REFERENCES sync.discogs_collection_syncs (session_id) ON DELETE CASCADE,
        purpose text NOT NULL CHECK (purpose IN ('identity', 'page')),
        page integer NOT NULL DEFAULT 0,
        url text NOT NULL,
        method text NOT NULL DEFAULT 'GET',
        headers jsonb NOT NULL DEFAULT '{}',
        status text NOT NULL CHECK (status IN ('pending', 'sent', 'completed', 'failed', 'retrying')),
        retry_count integer NOT NULL DEFAULT 0,
        response_status integer,
        response_headers jsonb,
        error text,
        sent_at timestamptz,
        responded_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (session_id, purpose, page)
      )`);
    await queryRunner.query(`
      CREATE INDEX discogs_api_requests_open
        ON sync.discogs_api_requests (session_id)
        WHERE status IN ('pending', 'sent', 'retrying')`);
    await queryRunner.query(`
      CREATE INDEX discogs_api_requests_recent ON sync.discogs_api_requests (sent_at)`);
    await queryRunner.query(`
      CREATE TABLE sync.discogs_rate_limits (
        user_id text PRIMARY KEY,
        rate_limit integer NOT NULL,
        remaining integer NOT NULL,
        used integer NOT NULL,
        window_resets_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE sync.discogs_items (
        user_id text NOT NULL,
        sync_type text NOT NULL CHECK (sync_type IN ('collection', 'wantlist')),
        instance_id bigint NOT NULL,
        release_id bigint NOT NULL,
        folder_id bigint,
        rating smallint,
        date_added timestamptz,
        basic_information jsonb NOT NULL,
        notes jsonb,
        last_session_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, sync_type, instance_id)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE IF EXISTS sync.discogs_items');
    await queryRunner.query('DROP TABLE IF EXISTS sync.discogs_rate_limits');
    await queryRunner.query('DROP TABLE IF EXISTS sync.discogs_api_requests');
    await queryRunner.query('DROP TABLE IF EXISTS sync.discogs_collection_syncs');
  }
}
