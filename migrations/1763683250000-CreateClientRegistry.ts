import type { MigrationInterface, QueryRunner } from 'typeorm';

/** API clients, the events already applied to them, and the outbox of change events. */
export class CreateClientRegistry1763683250000 implements MigrationInterface {
  name = 'CreateClientRegistry1763683250000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE client_registry.clients (
        client_id uuid PRIMARY KEY,
        client_code text,
        client_secret_hash text,
        api_key_hash text,
        bap_id text,
        bap_uri text,
        allowed_ips cidr[] NOT NULL DEFAULT '{}',
        rate_limit integer CHECK (rate_limit IS NULL OR rate_limit > 0),
        scopes text[] NOT NULL DEFAULT '{}',
        grant_types text[] NOT NULL DEFAULT '{client_credentials}',
        status text NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'SUSPENDED', 'REVOKED')),
        metadata jsonb NOT NULL DEFAULT '{}',
        version bigint NOT NULL DEFAULT 1 CHECK (version >= 1),
        revoked_before timestamptz,
        previous_secret_hash text,
        previous_secret_expires_at timestamptz,
        access_token_ttl integer CHECK (access_token_ttl IS NULL OR access_token_ttl BETWEEN 60 AND 86400),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        last_synced_at timestamptz
      )`);
    await queryRunner.query(
      'CREATE INDEX clients_status_idx ON client_registry.clients (status, client_id)',
    );
    await queryRunner.query(
      'CREATE INDEX clients_updated_idx ON client_registry.clients (updated_at DESC)',
    );
    await queryRunner.query(`
      CREATE TABLE client_registry.processed_events (
        event_id text PRIMARY KEY,
        processed_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE client_registry.outbox (
        id bigserial PRIMARY KEY,
        event_id uuid NOT NULL UNIQUE,
        client_id uuid NOT NULL,
        version bigint NOT NULL,
        status text NOT NULL,
        change text NOT NULL,
        correlation_id text,
        created_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz
      )`);
    await queryRunner.query(
      'CREATE INDEX outbox_unsent_idx ON client_registry.outbox (id) WHERE sent_at IS NULL',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE client_registry.outbox');
    await queryRunner.query('DROP TABLE client_registry.processed_events');
    await queryRunner.query('DROP TABLE client_registry.clients');
  }
}
