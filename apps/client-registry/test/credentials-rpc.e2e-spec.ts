import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { RedisConfig } from '@libs/config';
import { RpcClient } from '@libs/messaging';
import { RemoteError } from '@libs/models';
import { PROVIDERS } from '@libs/provider-clients';
import {
  freePort,
  spawnReadyApp,
  statusOf,
  testDatabaseUrl,
  testEnv,
  waitFor,
  type RunningProcess,
} from '@libs/testing';
import { putRequest, secretsOf } from './credentials-fixtures';

const TABLE = 'client_registry.user_oauth_credentials';

// The registry as a real process (from dist/: `node scripts/build.js` first); this test is the
// RPC caller, as auth, mail-relay or sync-orchestrator would be.
describe('client-registry credentials RPC from another process', () => {
  let registry: RunningProcess;
  let rpc: RpcClient;
  let redis: Redis;
  let pg: Client;
  let base: string;
  let changes: string;

  const call = <T>(pattern: string, payload: unknown) =>
    rpc.request<T>('client-registry', pattern, payload);
  const failure = (pattern: string, payload: unknown) =>
    call(pattern, payload).catch((e: unknown) => e);
  const get = (userId: string, provider: string) =>
    call<{ credentials: Record<string, unknown> }>('credentials.get', {
      user_id: userId,
      provider,
    });

  beforeAll(async () => {
    const port = await freePort();
    const env = testEnv({ CLIENT_REGISTRY_PORT: String(port), HOST: '127.0.0.1' });
    base = `http://127.0.0.1:${port}`;
    changes = `${env.REDIS_KEY_PREFIX}stream:client-registry.credentials`;
    registry = await spawnReadyApp('client-registry', env, port);
    rpc = new RpcClient({
      redis: new RedisConfig(env.REDIS_URL!, env.REDIS_KEY_PREFIX!),
      instanceId: `test-${randomUUID()}`,
    });
    redis = new Redis(env.REDIS_URL!);
    pg = new Client({ connectionString: testDatabaseUrl() });
    await pg.connect();
  }, 60_000);

  afterAll(async () => {
    await rpc.close();
    await redis.quit();
    await pg.end();
    await registry.stop('SIGTERM');
  });

  it.each(PROVIDERS)('puts, gets and deletes %s credentials', async (provider) => {
    const request = putRequest(provider);
    const stored = await call<object>('credentials.put', request);
    expect(stored).toMatchObject({
      user_id: request.user_id,
      provider,
      change: 'created',
      is_active: true,
    });
    for (const secret of secretsOf(request)) expect(JSON.stringify(stored)).not.toContain(secret);
    const read = await get(request.user_id, provider);
    expect(read).toMatchObject({ user_id: request.user_id, provider, is_active: true });
    expect(read.credentials).toEqual({ provider, ...request.credentials });
    expect(await call('credentials.delete', { user_id: request.user_id, provider })).toEqual({
      user_id: request.user_id,
      provider,
      deleted: true,
    });
    expect(await failure('credentials.get', { user_id: request.user_id, provider })).toMatchObject({
      code: 65006,
    });
  });

  it('answers unknown credentials with 65006, and deleting them with deleted: false', async () => {
    const error = await failure('credentials.get', {
      user_id: `nobody-${randomUUID()}`,
      provider: 'discogs',
    });
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).toMatchObject({
      code: 65006,
      message: expect.stringContaining('no discogs credentials for user nobody-'),
    });
    expect(
      await call('credentials.delete', { user_id: 'nobody', provider: 'gmail' }),
    ).toMatchObject({ deleted: false });
  });

  it('answers invalid requests with 65012 and a message naming what is wrong', async () => {
    const missing = putRequest('bricklink');
    delete missing.credentials.tokenSecret;
    expect(await failure('credentials.put', missing)).toMatchObject({
      code: 65012,
      message: 'credentials.tokenSecret is required for provider bricklink',
    });
    expect(
      await failure('credentials.put', { ...putRequest('discogs'), scopes: ['x'] }),
    ).toMatchObject({
      code: 65012,
      message: 'scopes does not apply to provider discogs',
    });
    expect(await failure('credentials.get', { user_id: 'u', provider: 'myspace' })).toMatchObject({
      code: 65012,
      message: 'provider must be one of bricklink, brickowl, discogs, gmail, outlook',
    });
  });

  it('merges refreshed tokens into stored credentials (the token saver path)', async () => {
    const request = putRequest('outlook');
    await call('credentials.put', request);
    const tokens = {
      accessToken: 'new-access',
      refreshToken: 'rotated-refresh',
      expiresAt: '2031-05-06T07:08:09.000Z',
    };
    await call('credentials.put', {
      user_id: request.user_id,
      provider: 'outlook',
      mode: 'merge',
      credentials: tokens,
    });
    expect((await get(request.user_id, 'outlook')).credentials).toEqual({
      provider: 'outlook',
      ...request.credentials,
      ...tokens,
    });
  });

  it('publishes credentials.changed for every put and delete, with ids only', async () => {
    const request = putRequest('gmail');
    await call('credentials.put', request);
    await call('credentials.put', { ...request, is_active: false });
    await call('credentials.delete', { user_id: request.user_id, provider: 'gmail' });
    let events: Record<string, string>[] = [];
    await waitFor('three change events', async () => {
      const entries = (await redis.xrange(changes, '-', '+')) as [string, string[]][];
      events = entries.map(([, fields]) =>
        Object.fromEntries(fields.flatMap((f, i) => (i % 2 ? [] : [[f, fields[i + 1]]]))),
      );
      events = events.filter((e) => JSON.parse(e.payload).user_id === request.user_id);
      return events.length === 3;
    });
    expect(events.map((e) => e.type)).toEqual([
      'credentials.changed',
      'credentials.changed',
      'credentials.changed',
    ]);
    expect(events.map((e) => JSON.parse(e.payload))).toEqual(
      ['created', 'updated', 'deleted'].map((change) => ({
        user_id: request.user_id,
        provider: 'gmail',
        change,
      })),
    );
    const raw = JSON.stringify(events);
    for (const secret of secretsOf(request)) expect(raw).not.toContain(secret);
  });

  it('refuses a ciphertext copied from another row at the SQL level, and keeps serving the others', async () => {
    const [victim, donor] = [putRequest('bricklink'), putRequest('bricklink')];
    await call('credentials.put', victim);
    await call('credentials.put', donor);
    await pg.query(
      `UPDATE ${TABLE} SET consumer_secret = (SELECT consumer_secret FROM ${TABLE} WHERE user_id = $2 AND provider = 'bricklink')
       WHERE user_id = $1 AND provider = 'bricklink'`,
      [victim.user_id, donor.user_id],
    );
    expect(
      await failure('credentials.get', { user_id: victim.user_id, provider: 'bricklink' }),
    ).toMatchObject({
      code: 65014,
      message: `bricklink credentials of user ${victim.user_id} cannot be decrypted (consumer_secret: decrypt_failed)`,
    });
    expect((await get(donor.user_id, 'bricklink')).credentials).toEqual({
      provider: 'bricklink',
      ...donor.credentials,
    });
    expect(await statusOf(`${base}/health/ready`)).toBe(200);
    await call('credentials.put', victim);
    expect((await get(victim.user_id, 'bricklink')).credentials).toEqual({
      provider: 'bricklink',
      ...victim.credentials,
    });
  });

  it('leaves no credential in clear in a pg_dump of the database', async () => {
    const requests = PROVIDERS.map((provider) => putRequest(provider));
    for (const request of requests) await call('credentials.put', request);
    const { stdout: dump } = await promisify(execFile)(
      'pg_dump',
      ['--dbname', testDatabaseUrl(), '--schema', 'client_registry'],
      { maxBuffer: 512 * 1024 * 1024 },
    );
    // The dump holds the rows (user ids, ciphertexts), only not their secrets.
    for (const request of requests) expect(dump).toContain(request.user_id);
    expect(dump).toContain('pc1:dk-');
    const secrets = requests.flatMap(secretsOf);
    expect(secrets).toHaveLength(14);
    for (const secret of secrets) {
      for (const form of [
        secret,
        Buffer.from(secret).toString('base64'),
        Buffer.from(secret).toString('base64url'),
      ]) {
        expect(dump).not.toContain(form);
      }
    }
  });

  it('stops cleanly on SIGTERM, having logged no secret', async () => {
    expect(await registry.stop('SIGTERM')).toBe(0);
    // The canaries all start the same way: none may appear in anything the registry printed.
    expect(registry.output()).not.toContain('canary-');
  });
});
