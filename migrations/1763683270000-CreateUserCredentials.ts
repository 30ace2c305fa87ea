import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Users' third-party credentials, encrypted at rest: the credentials table, the wrapped data
 * keys that encrypt it, and the outbox of change events.
 */
export class CreateUserCredentials1763683270000 implements MigrationInterface {
  name = 'CreateUserCredentials1763683270000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE client_registry.data_keys (
        key_id text PRIMARY KEY CHECK (key_id ~ '^[A-Za-z0-9_-]{1,64}$'),
        wrapped_key text NOT NULL CHECK (wrapped_key LIKE 'pk1:%'),
        is_current boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      'CREATE UNIQUE INDEX data_keys_one_current ON client_registry.data_keys (is_current) WHERE is_current',
    );
    // The key id shared by every non-null ciphertext (`pc1:<keyId>:…`), NULL when they differ
    // (a row half-way through re-encryption). Derived by the database, so it cannot disagree
    // with the values it describes.
    await queryRunner.query(`
      CREATE FUNCTION client_registry.common_key_id(VARIADIC ciphertexts text[]) RETURNS text
      LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT CASE WHEN count(DISTINCT k) = 1 THEN min(k) END
        FROM (SELECT split_part(c, ':', 2) AS k FROM unnest(ciphertexts) AS c WHERE c IS NOT NULL) AS ks
      $$`);
    await queryRunner.query(`
      CREATE TABLE client_registry.user_oauth_credentials (
        user_id text NOT NULL CHECK (length(user_id) BETWEEN 1 AND 255),
        provider text NOT NULL
          CHECK (provider IN ('bricklink', 'brickowl', 'discogs', 'gmail', 'outlook')),
        consumer_key text,
        consumer_secret text,
        token text,
        token_secret text,
        api_key text,
        refresh_token text,
        access_token text,
        expires_at timestamptz,
        scopes text[],
        email text,
        token_url text,
        key_id text GENERATED ALWAYS AS (client_registry.common_key_id(
          consumer_key, consumer_secret, token, token_secret, api_key, refresh_token, access_token
        )) STORED,
        is_active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, provider),
        CONSTRAINT user_oauth_credentials_encrypted CHECK (
          consumer_key LIKE 'pc1:%' AND consumer_secret LIKE 'pc1:%' AND token LIKE 'pc1:%'
          AND token_secret LIKE 'pc1:%' AND api_key LIKE 'pc1:%' AND refresh_token LIKE 'pc1:%'
          AND access_token LIKE 'pc1:%'
        ),
        CONSTRAINT user_oauth_credentials_fields CHECK (CASE provider
          WHEN 'bricklink' THEN
            num_nonnulls(consumer_key, consumer_secret, token, token_secret) = 4
            AND num_nulls(api_key, refresh_token, access_token, expires_at, scopes, email, token_url) = 7
          WHEN 'brickowl' THEN
            api_key IS NOT NULL
            AND num_nulls(consumer_key, consumer_secret, token, token_secret, refresh_token,
              access_token, expires_at, scopes, email, token_url) = 10
          WHEN 'discogs' THEN
            token IS NOT NULL
            AND num_nulls(consumer_key, consumer_secret, token_secret, api_key, refresh_token,
              access_token, expires_at, scopes, email, token_url) = 10
          ELSE
            num_nonnulls(consumer_key, consumer_secret, refresh_token) = 3
            AND num_nulls(token, token_secret, api_key) = 3
        END)
      )`);
    await queryRunner.query(`
      COMMENT ON TABLE client_registry.user_oauth_credentials IS
        'Secret columns hold pc1: ciphertexts bound to (column, user_id, provider); see docs/credentials.md'`);
    await queryRunner.query(`
      COMMENT ON COLUMN client_registry.user_oauth_credentials.consumer_key IS
        'OAuth 1.0a consumer key (bricklink) or OAuth 2.0 client id (gmail, outlook)'`);
    await queryRunner.query(
      'CREATE INDEX user_oauth_credentials_key_idx ON client_registry.user_oauth_credentials (key_id)',
    );
    await queryRunner.query(`
      CREATE TABLE client_registry.credentials_outbox (
        id bigserial PRIMARY KEY,
        event_id uuid NOT NULL UNIQUE,
        user_id text NOT NULL,
        provider text NOT NULL,
        change text NOT NULL CHECK (change IN ('created', 'updated', 'deleted')),
        correlation_id text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE client_registry.credentials_outbox');
    await queryRunner.query('DROP TABLE client_registry.user_oauth_credentials');
    await queryRunner.query('DROP FUNCTION client_registry.common_key_id(text[])');
    await queryRunner.query('DROP TABLE client_registry.data_keys');
  }
}
