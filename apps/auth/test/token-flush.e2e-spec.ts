import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { loadAuthConfig } from '@libs/config';
import { REDIS } from '@libs/redis';
import { bootApp, testEnv } from '@libs/testing';
import { defineApp } from '../src/app.module';
import { IssuedTokenRepository } from '../src/records/issued-token.repository';
import { FLUSH_GROUP, TokenFlusher } from '../src/records/token-flusher';
import { recordFields, type TokenRecord } from '../src/records/token-record';
import { TokenRecorder } from '../src/records/token-recorder';

const record = (): TokenRecord => ({
  jti: randomUUID(),
  clientId: randomUUID(),
  scope: 'a b',
  audience: 'https://api.example',
  issuedAt: 1_800_000_000,
  expiresAt: 1_800_000_900,
  sourceIp: '10.1.2.3',
});

// The flush path against real Redis and PostgreSQL (BullMQ worker off: flushes are driven here).
describe('token record flushing', () => {
  let app: NestFastifyApplication;
  let redis: Redis;
  let stream: string;
  let flusher: TokenFlusher;

  beforeAll(async () => {
    const env = testEnv({ TOKEN_FLUSH_WORKER: 'false', TOKEN_FLUSH_BATCH: '100' });
    stream = `${env.REDIS_KEY_PREFIX}stream:auth.issued-tokens`;
    app = await bootApp(defineApp(loadAuthConfig(env)));
    redis = app.get(REDIS);
    flusher = app.get(TokenFlusher);
  });

  afterAll(async () => {
    await app.close();
  });

  it('moves every buffered record to PostgreSQL once, in batches, and empties the buffer', async () => {
    const records = Array.from({ length: 250 }, record);
    for (const r of records) await app.get(TokenRecorder).record(r);
    expect(await flusher.pending()).toBe(250);
    expect(await flusher.flushBatch()).toBe(100);
    expect(await flusher.flushAll()).toBe(150);
    expect(await flusher.pending()).toBe(0);
    const counts = await app.get(IssuedTokenRepository).countByJti(records.map((r) => r.jti));
    expect(records.every((r) => counts.get(r.jti) === 1)).toBe(true);
  });

  it('takes over the entries of a flusher that died before acking, and never stores a record twice', async () => {
    const records = Array.from({ length: 30 }, record);
    for (const r of records) await redis.xadd(stream, '*', ...recordFields(r));
    // A flusher reads the batch, inserts it, then dies before XACK/XDEL.
    await flusher.flushBatch().catch(() => undefined);
    await redis.xgroup('CREATE', stream, FLUSH_GROUP, '0', 'MKSTREAM').catch(() => undefined);
    const dead =
      (await redis.xreadgroup(
        'GROUP',
        FLUSH_GROUP,
        'dead-flusher',
        'COUNT',
        1000,
        'STREAMS',
        stream,
        '>',
      )) ?? [];
    expect(dead).toHaveLength(0); // the live flusher already took them...
    const again = Array.from({ length: 10 }, record);
    for (const r of again) await redis.xadd(stream, '*', ...recordFields(r));
    const taken = (await redis.xreadgroup(
      'GROUP',
      FLUSH_GROUP,
      'dead-flusher',
      'COUNT',
      1000,
      'STREAMS',
      stream,
      '>',
    )) as [string, [string, string[]][]][];
    expect(taken[0][1]).toHaveLength(10); // ...these ten are now pending on a dead consumer
    await app.get(IssuedTokenRepository).insertMany(again.slice(0, 5)); // and half were inserted
    // After the reclaim idle time the live flusher takes them over.
    await redis.xclaim(
      stream,
      FLUSH_GROUP,
      'dead-flusher',
      0,
      ...taken[0][1].map(([id]) => id),
      'IDLE',
      60_000,
    );
    expect(await flusher.flushAll()).toBe(10);
    const counts = await app
      .get(IssuedTokenRepository)
      .countByJti([...records, ...again].map((r) => r.jti));
    expect([...records, ...again].every((r) => counts.get(r.jti) === 1)).toBe(true);
    expect(await redis.xpending(stream, FLUSH_GROUP)).toEqual([0, null, null, null]);
  });

  it('drops malformed buffer entries instead of blocking the flush', async () => {
    const good = record();
    await redis.xadd(stream, '*', 'jti', 'not-a-uuid', 'cid', 'x');
    await redis.xadd(stream, '*', ...recordFields(good));
    expect(await flusher.flushAll()).toBe(2);
    expect((await app.get(IssuedTokenRepository).countByJti([good.jti])).get(good.jti)).toBe(1);
  });
});
