import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { loadCredentialsCliConfig, type KekConfig } from '@libs/config';
import { KekSet, KeyRing } from '@libs/crypto';
import { dataSourceOptions, ensureDatabase } from '@libs/database';
import type { ProviderName } from '@libs/provider-clients';
import { TEST_KEK, testDatabaseUrl } from '@libs/testing';
import { migrations, MIGRATIONS_TABLE } from '../../../migrations';
import { CredentialCipher } from '../src/credentials/credential-cipher';
import type { CredentialEventsRelay } from '../src/credentials/credential-events.relay';
import { CredentialRepository } from '../src/credentials/credential.repository';
import { CredentialsOutboxRepository } from '../src/credentials/credentials-outbox.repository';
import { CredentialsService } from '../src/credentials/credentials.service';
import { DataKeyRepository } from '../src/credentials/data-key.repository';

/** A migrated database of one test file: its data keys and rows are its own. Drop it after. */
export interface ScratchDatabase {
  readonly url: string;
  readonly dataSource: DataSource;
  drop(): Promise<void>;
}

/**
 * Creates and migrates `<test database>_creds_<random>`: tests that rotate or retire data keys
 * must not touch the shared test database's keys, which every booted registry uses.
 */
export async function scratchDatabase(): Promise<ScratchDatabase> {
  const url = new URL(testDatabaseUrl());
  const name = `${url.pathname.slice(1)}_creds_${randomBytes(4).toString('hex')}`;
  url.pathname = `/${name}`;
  await ensureDatabase(url.toString());
  const dataSource = await new DataSource({
    ...dataSourceOptions({ url: url.toString(), poolSize: 4 }),
    migrations,
    migrationsTableName: MIGRATIONS_TABLE,
  }).initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  return {
    url: url.toString(),
    dataSource,
    drop: async () => {
      await dataSource.destroy();
      const admin = new URL(url);
      admin.pathname = '/postgres';
      const client = new Client({ connectionString: admin.toString() });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** Unique, recognisable secret values: a test can search dumps, logs and events for them. */
export function canary(label: string): string {
  return `canary-${label}-${randomBytes(9).toString('base64url')}`;
}

/** Full credentials of `provider` (every field, optional ones included), made of canaries. */
export function credentialsFor(provider: ProviderName): Record<string, string> {
  switch (provider) {
    case 'bricklink':
      return {
        consumerKey: canary('ck'),
        consumerSecret: canary('cs'),
        tokenValue: canary('tv'),
        tokenSecret: canary('ts'),
      };
    case 'brickowl':
      return { apiKey: canary('ak') };
    case 'discogs':
      return { token: canary('tk') };
    case 'gmail':
    case 'outlook':
      return {
        clientId: canary('ci'),
        clientSecret: canary('cs'),
        refreshToken: canary('rt'),
        accessToken: canary('at'),
        expiresAt: '2030-01-02T03:04:05.678Z',
        tokenUrl: 'http://127.0.0.1:9/token',
      };
  }
}

/** A `credentials.put` payload for a new random user. */
export function putRequest(
  provider: ProviderName,
  userId = `user|${randomBytes(6).toString('hex')}`,
) {
  const mailbox = provider === 'gmail' || provider === 'outlook';
  return {
    user_id: userId,
    provider,
    credentials: credentialsFor(provider),
    ...(mailbox
      ? { email: `${userId.replace(/\W/g, '')}@example.com`, scopes: ['mail.send'] }
      : {}),
  };
}

/** The secret values of a put payload (what must never appear anywhere in clear). */
export function secretsOf(request: { credentials: Record<string, string> }): string[] {
  return Object.values(request.credentials).filter((v) => v.startsWith('canary-'));
}

/** The credential store of a scratch database, composed by hand (no relay: events stay queued). */
export async function credentialStore(dataSource: DataSource) {
  const keys = new DataKeyRepository(dataSource);
  const ring = await KeyRing.open(KekSet.fromConfig(kekConfig()), keys, { refreshMs: 0 });
  const relay = { poke: () => undefined } as unknown as CredentialEventsRelay;
  const service = new CredentialsService(
    dataSource,
    new CredentialRepository(dataSource),
    new CredentialsOutboxRepository(dataSource),
    relay,
    new CredentialCipher(ring),
    new Registry(),
  );
  return { keys, ring, service };
}

/** The KEK tests boot apps with. */
export function kekConfig(): KekConfig {
  return loadCredentialsCliConfig({ NODE_ENV: 'test', PORTICO_KEK: TEST_KEK }).kek;
}
