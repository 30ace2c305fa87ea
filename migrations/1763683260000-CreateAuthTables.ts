import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Issued-token records, revocations and signing keys of the auth server. */
export class CreateAuthTables1763683260000 implements MigrationInterface {
  name = 'CreateAuthTables1763683260000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // One row per issued access token: its record, never the token itself.
    await queryRunner.query(`
      CREATE TABLE auth.issued_tokens (
        jti uuid PRIMARY KEY,
        client_id uuid NOT NULL,
        scope text NOT NULL,
        audience text NOT NULL,
        issued_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        source_ip inet,
        recorded_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      'CREATE INDEX issued_tokens_client_idx ON auth.issued_tokens (client_id, issued_at DESC)',
    );
    await queryRunner.query(
      'CREATE INDEX issued_tokens_expires_idx ON auth.issued_tokens (expires_at)',
    );
    await queryRunner.query(`
      CREATE TABLE auth.revocations (
        jti uuid PRIMARY KEY,
        client_id uuid NOT NULL,
        revoked_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE auth.signing_keys (
        kid text PRIMARY KEY,
        alg text NOT NULL CHECK (alg IN ('ES256', 'EdDSA')),
        public_jwk jsonb NOT NULL,
        private_key_enc text NOT NULL,
        state text NOT NULL CHECK (state IN ('next', 'current', 'retired')),
        created_at timestamptz NOT NULL DEFAULT now(),
        activated_at timestamptz,
        retired_at timestamptz,
        remove_after timestamptz
      )`);
    // At most one key signs at a time.
    await queryRunner.query(
      "CREATE UNIQUE INDEX signing_keys_one_current ON auth.signing_keys (state) WHERE state = 'current'",
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE auth.signing_keys');
    await queryRunner.query('DROP TABLE auth.revocations');
    await queryRunner.query('DROP TABLE auth.issued_tokens');
  }
}
