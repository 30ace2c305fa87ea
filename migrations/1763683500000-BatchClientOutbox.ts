import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One outbox row per registry transaction instead of one per changed client: `changes` holds the
 * transaction's change events as a JSON array. An admin event batch of 1 000 clients used to
 * write 1 000 outbox rows (three index entries each) and update each once published, which was
 * about a fifth of PostgreSQL's work per applied event. `client_registry.outbox_changes` shows
 * the changes one per row, as the old table did. Unsent and sent rows are carried over.
 */
export class BatchClientOutbox1763683500000 implements MigrationInterface {
  name = 'BatchClientOutbox1763683500000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE client_registry.outbox_batches (
        id bigserial PRIMARY KEY,
        changes jsonb NOT NULL CHECK (jsonb_typeof(changes) = 'array' AND jsonb_array_length(changes) > 0),
        correlation_id text,
        created_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz
      )`);
    await queryRunner.query(`
      INSERT INTO client_registry.outbox_batches (changes, correlation_id, created_at, sent_at)
      SELECT jsonb_build_array(jsonb_build_object(
               'event_id', event_id, 'client_id', client_id, 'version', version,
               'status', status, 'change', change)),
             correlation_id, created_at, sent_at
      FROM client_registry.outbox ORDER BY id`);
    await queryRunner.query('DROP TABLE client_registry.outbox');
    await queryRunner.query('ALTER TABLE client_registry.outbox_batches RENAME TO outbox');
    await queryRunner.query(
      'ALTER SEQUENCE client_registry.outbox_batches_id_seq RENAME TO outbox_id_seq',
    );
    await queryRunner.query(
      'ALTER INDEX client_registry.outbox_batches_pkey RENAME TO outbox_pkey',
    );
    await queryRunner.query(
      'CREATE INDEX outbox_unsent_idx ON client_registry.outbox (id) WHERE sent_at IS NULL',
    );
    await queryRunner.query(`
      CREATE VIEW client_registry.outbox_changes AS
      SELECT o.id AS outbox_id, c.event_id, c.client_id, c.version, c.status, c.change,
             o.correlation_id, o.created_at, o.sent_at
      FROM client_registry.outbox o,
           jsonb_to_recordset(o.changes)
             AS c(event_id uuid, client_id uuid, version bigint, status text, change text)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE client_registry.outbox_rows (
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
    await queryRunner.query(`
      INSERT INTO client_registry.outbox_rows
        (event_id, client_id, version, status, change, correlation_id, created_at, sent_at)
      SELECT event_id, client_id, version, status, change, correlation_id, created_at, sent_at
      FROM client_registry.outbox_changes ORDER BY outbox_id`);
    await queryRunner.query('DROP VIEW client_registry.outbox_changes');
    await queryRunner.query('DROP TABLE client_registry.outbox');
    await queryRunner.query('ALTER TABLE client_registry.outbox_rows RENAME TO outbox');
    await queryRunner.query(
      'ALTER SEQUENCE client_registry.outbox_rows_id_seq RENAME TO outbox_id_seq',
    );
    await queryRunner.query('ALTER INDEX client_registry.outbox_rows_pkey RENAME TO outbox_pkey');
    await queryRunner.query(
      'ALTER INDEX client_registry.outbox_rows_event_id_key RENAME TO outbox_event_id_key',
    );
    await queryRunner.query(
      'CREATE INDEX outbox_unsent_idx ON client_registry.outbox (id) WHERE sent_at IS NULL',
    );
  }
}
