import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The mail relay's local login beside a user's Gmail / Outlook credentials: the hash of the
 * password local applications give the relay, and the mailbox's hourly budget. A hash is a
 * verifier, not a secret (like `clients.client_secret_hash`), so it is stored in clear; plain
 * text is refused by the CHECK. A row without a hash is not served by the relay.
 */
export class AddMailRelayLogins1763683400000 implements MigrationInterface {
  name = 'AddMailRelayLogins1763683400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE client_registry.user_oauth_credentials
        ADD COLUMN relay_password_hash text CHECK (
          relay_password_hash ~ '^sha256\\$[0-9a-f]{64}$'
          OR relay_password_hash ~ '^\\$argon2id\\$v=[0-9]+\\$m=[0-9]+,t=[0-9]+,p=[0-9]+\\$[A-Za-z0-9+/]+\\$[A-Za-z0-9+/]+$'
        ),
        ADD COLUMN relay_max_messages_per_hour integer CHECK (relay_max_messages_per_hour > 0),
        ADD CONSTRAINT user_oauth_credentials_relay CHECK (
          provider IN ('gmail', 'outlook')
          OR num_nulls(relay_password_hash, relay_max_messages_per_hour) = 2
        ),
        ADD CONSTRAINT user_oauth_credentials_relay_budget CHECK (
          relay_max_messages_per_hour IS NULL OR relay_password_hash IS NOT NULL
        )`);
    // The relay pages through the mailboxes it serves by provider, in user_id order.
    await queryRunner.query(`
      CREATE INDEX user_oauth_credentials_relay_idx
        ON client_registry.user_oauth_credentials (provider, user_id)
        WHERE relay_password_hash IS NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX client_registry.user_oauth_credentials_relay_idx');
    await queryRunner.query(`
      ALTER TABLE client_registry.user_oauth_credentials
        DROP CONSTRAINT user_oauth_credentials_relay_budget,
        DROP CONSTRAINT user_oauth_credentials_relay,
        DROP COLUMN relay_max_messages_per_hour,
        DROP COLUMN relay_password_hash`);
  }
}
