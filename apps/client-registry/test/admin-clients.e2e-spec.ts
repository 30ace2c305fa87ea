import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { loadClientRegistryConfig } from '@libs/config';
import { matchesSha256Hash } from '@libs/models';
import { createHttpApp } from '@libs/platform';
import { REDIS } from '@libs/redis';
import { TEST_ADMIN_TOKEN, testEnv, waitFor } from '@libs/testing';
import { DataSource } from 'typeorm';
import { AppModule } from '../src/app.module';
import { ClientRepository } from '../src/clients/client.repository';

const auth = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

describe('client-registry operator REST API', () => {
  let app: NestFastifyApplication;
  let redis: Redis;
  let prefix: string;

  beforeAll(async () => {
    const env = testEnv();
    prefix = env.REDIS_KEY_PREFIX!;
    const config = loadClientRegistryConfig(env);
    app = await createHttpApp(AppModule.forRoot(config), config);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    redis = app.get(REDIS);
  });

  afterAll(async () => {
    await app.close();
  });

  const call = (
    method: 'GET' | 'POST',
    url: string,
    payload?: object,
    headers: Record<string, string> = auth,
  ) => app.inject({ method, url, payload, headers });

  async function createClient(body: object = {}) {
    const res = await call('POST', '/admin/clients', {
      client_code: 'acme',
      scopes: ['orders:read'],
      ...body,
    });
    expect(res.statusCode).toBe(201);
    return res.json<{
      client: Record<string, unknown> & { client_id: string };
      client_secret: string;
    }>();
  }

  it('refuses every endpoint without the admin token, with the documented error shape', async () => {
    for (const [method, url] of [
      ['GET', '/admin/clients'],
      ['GET', `/admin/clients/${randomUUID()}`],
      ['POST', '/admin/clients'],
      ['POST', `/admin/clients/${randomUUID()}/rotate-secret`],
      ['POST', `/admin/clients/${randomUUID()}/suspend`],
      ['POST', `/admin/clients/${randomUUID()}/activate`],
      ['POST', `/admin/clients/${randomUUID()}/revoke`],
    ] as const) {
      const res = await call(method, url, {}, { authorization: 'Bearer wrong-token-0000000000' });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({
        error: {
          code: 'unauthorized',
          message: expect.any(String),
          correlationId: expect.any(String),
        },
      });
    }
  });

  it('creates a client, answering a 256-bit secret once that verifies against the stored hash', async () => {
    const { client, client_secret } = await createClient({
      allowed_ips: ['10.0.0.1', '::ffff:192.168.0.0/120'],
      metadata: { team: 'billing' },
    });
    expect(client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(client_secret, 'base64url')).toHaveLength(32);
    expect(client).toMatchObject({
      status: 'ACTIVE',
      version: 1,
      allowed_ips: ['10.0.0.1/32', '192.168.0.0/24'],
      metadata: { team: 'billing' },
    });
    expect(client).not.toHaveProperty('client_secret_hash');
    const stored = await app.get(ClientRepository).findById(client.client_id);
    expect(matchesSha256Hash(client_secret, stored!.client_secret_hash!)).toBe(true);
    const again = await call('GET', `/admin/clients/${client.client_id}`);
    expect(again.json()).not.toHaveProperty('client_secret');
    expect(JSON.stringify(again.json())).not.toContain('sha256$');
  });

  it('rejects invalid input with field messages and stores nothing', async () => {
    const res = await call('POST', '/admin/clients', {
      allowed_ips: ['10.0.0.1/24'],
      rate_limit: -1,
      surprise: true,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({
      code: 'validation_failed',
      details: expect.arrayContaining([
        expect.stringMatching(/allowed_ips: .*host bits/),
        expect.stringMatching(/rate_limit/),
        expect.stringMatching(/surprise/),
      ]),
    });
  });

  it('exports cache, database latency and outbox lag metrics', async () => {
    const { client } = await createClient();
    await call('GET', `/admin/clients/${client.client_id}`);
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toMatch(/registry_client_cache_lookups_total\{[^}]*result="(hit|miss)"/);
    expect(text).toContain('# TYPE registry_outbox_lag_seconds gauge');
    expect(text).toMatch(
      /registry_db_query_duration_seconds_count\{[^}]*query="find",outcome="ok"[^}]*\} [1-9]/,
    );
  });

  it('answers 65006 for an unknown client and 400 for a malformed id', async () => {
    const missing = await call('GET', `/admin/clients/${randomUUID()}`);
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe(65006);
    expect((await call('GET', '/admin/clients/not-a-uuid')).statusCode).toBe(400);
  });

  it('rotates the secret keeping the previous one for the grace period', async () => {
    const { client, client_secret: first } = await createClient();
    const res = await call('POST', `/admin/clients/${client.client_id}/rotate-secret`, {
      grace_seconds: 3600,
    });
    expect(res.statusCode).toBe(200);
    const { client_secret: second, client: rotated } = res.json<{
      client_secret: string;
      client: { version: number; previous_secret_expires_at: string };
    }>();
    expect(second).not.toBe(first);
    expect(rotated.version).toBe(2);
    expect(Date.parse(rotated.previous_secret_expires_at) - Date.now()).toBeGreaterThan(3500_000);
    const stored = await app.get(ClientRepository).findById(client.client_id);
    expect(matchesSha256Hash(second, stored!.client_secret_hash!)).toBe(true);
    expect(matchesSha256Hash(first, stored!.previous_secret_hash!)).toBe(true);
  });

  it('suspends, activates and revokes; revocation is final and stamps revoked_before', async () => {
    const { client } = await createClient();
    const id = client.client_id;
    expect((await call('POST', `/admin/clients/${id}/suspend`)).json()).toMatchObject({
      status: 'SUSPENDED',
      version: 2,
    });
    expect((await call('POST', `/admin/clients/${id}/suspend`)).json()).toMatchObject({
      status: 'SUSPENDED',
      version: 2,
    });
    expect((await call('POST', `/admin/clients/${id}/activate`)).json()).toMatchObject({
      status: 'ACTIVE',
      version: 3,
    });
    const revoked = (await call('POST', `/admin/clients/${id}/revoke`)).json<{
      status: string;
      revoked_before: string;
    }>();
    expect(revoked.status).toBe('REVOKED');
    expect(Math.abs(Date.parse(revoked.revoked_before) - Date.now())).toBeLessThan(60_000);
    const again = await call('POST', `/admin/clients/${id}/activate`);
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe(65013);
  });

  it('lists by status with cursor paging', async () => {
    const created = await Promise.all([1, 2, 3].map(() => createClient()));
    await Promise.all(
      created.map(({ client }) => call('POST', `/admin/clients/${client.client_id}/suspend`)),
    );
    const ids = new Set(created.map((c) => c.client.client_id));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { client_id: string; status: string }[]; next_cursor: string | null } = (
        await call(
          'GET',
          `/admin/clients?status=SUSPENDED&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        )
      ).json();
      expect(page.items.every((c) => c.status === 'SUSPENDED')).toBe(true);
      seen.push(...page.items.map((c) => c.client_id));
      cursor = page.next_cursor;
    } while (cursor);
    expect([...ids].every((id) => seen.includes(id))).toBe(true);
    expect((await call('GET', '/admin/clients?status=NOPE')).statusCode).toBe(400);
  });

  it('serves reads from Redis after the first (cache-aside) and evicts on every write', async () => {
    const { client } = await createClient();
    const key = `${prefix}client:{${client.client_id}}`;
    const stored = async () =>
      JSON.parse((await redis.get(key)) ?? '{}') as { version?: number; value?: unknown };
    // After the create, at most a tombstone of version 1 is there. The relay evicts once more
    // right before it publishes the change: let it finish so it cannot race the reads below.
    expect((await stored()).value).toBeUndefined();
    await waitFor('change published', async () => {
      const [{ n }] = await app
        .get(DataSource)
        .query(
          'SELECT count(*)::int AS n FROM client_registry.outbox_changes WHERE client_id = $1 AND sent_at IS NULL',
          [client.client_id],
        );
      return n === 0;
    });
    const queries = jest.spyOn(app.get(ClientRepository), 'findById');
    await call('GET', `/admin/clients/${client.client_id}`);
    await call('GET', `/admin/clients/${client.client_id}`);
    expect(queries).toHaveBeenCalledTimes(1);
    queries.mockRestore();
    const cached = await stored();
    expect(cached).toMatchObject({ version: 1, value: { client_id: client.client_id } });
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(290_000);
    expect(ttl).toBeLessThanOrEqual(300_000);
    await call('POST', `/admin/clients/${client.client_id}/suspend`);
    expect((await stored()).value).toBeUndefined();
    await waitFor('change published', async () => {
      const [{ n }] = await app
        .get(DataSource)
        .query(
          'SELECT count(*)::int AS n FROM client_registry.outbox_changes WHERE client_id = $1 AND sent_at IS NULL',
          [client.client_id],
        );
      return n === 0;
    });
    const reread = await call('GET', `/admin/clients/${client.client_id}`);
    expect(reread.json()).toMatchObject({ status: 'SUSPENDED', version: 2 });
  });
});
