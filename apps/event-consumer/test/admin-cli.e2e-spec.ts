import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Redis } from 'ioredis';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEventConsumerConfig, RedisConfig, type Env } from '@libs/config';
import { Streams } from '@libs/messaging';
import { closeRedis, createRedis } from '@libs/redis';
import { adminEvent, bootApp, sha256Of, testEnv, waitFor } from '@libs/testing';
import { defineApp } from '../src/app.module';
import { runAdminCli } from '../src/cli/admin-cli';
import { xaddAdminEntries } from './admin-entries';

// The command line against the shared Redis. Publishing uses a prefix of its own; the DLQ
// commands share theirs with a booted consumer, which dead-letters the invalid events the test
// publishes (the registry is not needed: those events never reach it).
describe('npm run admin', () => {
  let env: Env;
  const publishEnv = testEnv();
  let app: NestFastifyApplication;
  let redis: Redis;
  const dir = mkdtempSync(join(tmpdir(), 'admin-cli-'));

  beforeAll(async () => {
    env = testEnv({ EVENT_CONSUMER_BLOCK_MS: '100' });
    app = await bootApp(defineApp(loadEventConsumerConfig(env)));
    redis = createRedis(new RedisConfig(env.REDIS_URL!, ''));
  });

  afterAll(async () => {
    await app.close();
    await closeRedis(redis);
  });

  const key = (name: string) => `${env.REDIS_KEY_PREFIX}${name}`;

  async function run(
    cliEnv: Env,
    argv: string[],
  ): Promise<{ code: number; out: string; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runAdminCli(
      argv,
      { out: (l) => out.push(l), err: (l) => err.push(l) },
      cliEnv,
    );
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  const publish = (...argv: string[]) => run(publishEnv, ['publish', ...argv]);
  const admin = (...argv: string[]) => run(env, argv);

  function file(name: string, content: unknown): string {
    const path = join(dir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  }

  async function published(): Promise<Record<string, string>[]> {
    const stream = `${publishEnv.REDIS_KEY_PREFIX}${Streams.AdminClientEvents}`;
    const raw = (await redis.xrange(stream, '-', '+')) as [string, string[]][];
    return raw.map(([, f]) =>
      Object.fromEntries(f.flatMap((v, i) => (i % 2 ? [] : [[v, f[i + 1]]]))),
    );
  }

  it('publishes valid events exactly as the Admin Service contract writes them', async () => {
    const full = adminEvent('client.created', { api_key_hash: sha256Of('k') });
    const bare = {
      type: 'client.suspended',
      payload: { client_id: full.payload.client_id, version: 2 },
    };
    const res = await publish(file('ok.json', [{ ...full, correlationId: 'req-1' }, bare]));
    expect(res).toMatchObject({ code: 0, err: '' });
    expect(res.out).toMatch(/^published client\.created .* as entry \d+-\d+$/m);
    const written = await published();
    expect(written).toHaveLength(2);
    expect(Object.keys(written[0])).toEqual([
      'id',
      'type',
      'occurredAt',
      'correlationId',
      'payload',
    ]);
    expect(written[0]).toEqual({
      id: full.id,
      type: full.type,
      occurredAt: full.occurredAt,
      correlationId: 'req-1',
      payload: JSON.stringify(full.payload),
    });
    expect(written[1]).toMatchObject({
      type: 'client.suspended',
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
  });

  it('publishes nothing when any event is invalid, and lists every problem', async () => {
    const before = (await published()).length;
    const events = [
      adminEvent('client.created'),
      { type: 'client.created', payload: { client_id: 'x', version: 0, client_secret: 's' } },
    ];
    const res = await publish(file('bad.json', events));
    expect(res.code).toBe(1);
    expect(res.err).toMatch(/nothing published/);
    expect(res.err).toMatch(
      /events\[1\] \(client\.created\): payload\.client_secret: plaintext secrets/,
    );
    expect(res.err).toMatch(/events\[1\] \(client\.created\): payload\.client_id must be a UUID/);
    expect(res.err).not.toMatch(/events\[0\]/);
    expect((await publish('--dry-run', file('ok2.json', events[0]))).out).toMatch(
      /1 event\(s\) valid; nothing published/,
    );
    expect(await published()).toHaveLength(before);
  });

  it('refuses unreadable files and unknown commands', async () => {
    expect((await publish(file('broken.json', '{nope'))).code).toBe(1);
    expect((await publish(join(dir, 'missing.json'))).code).toBe(1);
    const unknown = await admin('dlq', 'purge');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/usage: npm run admin/);
    expect((await admin('dlq', 'replay')).code).toBe(2);
    expect((await admin('--bogus')).code).toBe(2);
  });

  it('lists dead letters with their errors and secrets masked, replays and deletes them', async () => {
    const base = { occurredAt: new Date().toISOString(), correlationId: 'c-9' };
    await xaddAdminEntries(redis, key(Streams.AdminClientEvents), [
      {
        ...base,
        id: adminEvent('client.updated').id,
        type: 'client.bogus',
        payload: { client_id: 'x', version: 1 },
      },
      {
        ...base,
        id: adminEvent('client.updated').id,
        type: 'client.updated',
        payload: { client_id: 'x', version: 1, client_secret: 'hunter2' },
      },
    ]);
    const dlqIds = async () =>
      (await redis.xrange(key(Streams.dlq(Streams.AdminClientEvents)), '-', '+')).map(([id]) => id);
    await waitFor('two dead letters', async () => (await dlqIds()).length === 2);

    const listed = await admin('dlq', 'list');
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(/type client\.bogus .*\n\s+error .*type must be one of/);
    expect(listed.out).toMatch(/plaintext secrets are never accepted/);
    expect(listed.out).not.toContain('hunter2');
    expect(listed.out).toMatch(/^2 shown, 2 in stream:admin\.client\.events\.dlq$/m);
    const json = (await admin('dlq', 'list', '--json', '--count', '1')).out
      .split('\n')
      .map((l) => JSON.parse(l) as { dlqId: string });
    expect(json).toHaveLength(1);

    const replay = await admin('dlq', 'replay', json[0].dlqId);
    expect(replay.out).toBe('replayed 1 dead letter(s) to stream:admin.client.events');
    // Still invalid: the consumer dead-letters it again.
    await waitFor('dead-lettered again', async () => {
      const ids = await dlqIds();
      return ids.length === 2 && !ids.includes(json[0].dlqId);
    });

    const ids = await dlqIds();
    expect((await admin('dlq', 'delete', ...ids)).out).toBe(
      'deleted 2 dead letter(s) from stream:admin.client.events.dlq',
    );
    expect((await admin('dlq', 'replay', '--all')).out).toBe(
      'replayed 0 dead letter(s) to stream:admin.client.events',
    );
  });
});
