import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import { loadAuthConfig, TokenFlushConfig } from '@libs/config';
import { bootApp, testEnv } from '@libs/testing';
import { defineApp } from '../src/app.module';
import { IssuedTokenRepository } from '../src/records/issued-token.repository';
import { PRUNE_JOB, TOKEN_FLUSH_QUEUE } from '../src/records/token-flush.constants';
import { PRUNE_SCHEDULER } from '../src/records/token-flush.scheduler';
import { TokenRecordPruner } from '../src/records/token-record-pruner';

const DAY_S = 86_400;

// Retention of auth.issued_tokens against real PostgreSQL and BullMQ (worker off: the job is
// driven here; the processor's dispatch is in token-flush.processor.spec.ts).
describe('token record retention', () => {
  let app: NestFastifyApplication;
  let tokens: IssuedTokenRepository;
  const now = new Date();
  const nowS = Math.floor(now.getTime() / 1000);
  /** A record of a token that expired `daysAgo` days before `now` (negative: still valid). */
  const expiredDaysAgo = (daysAgo: number) => ({
    jti: randomUUID(),
    clientId: randomUUID(),
    scope: 'a',
    audience: 'https://api.example',
    issuedAt: nowS - daysAgo * DAY_S - 900,
    expiresAt: nowS - daysAgo * DAY_S,
    sourceIp: null,
  });

  beforeAll(async () => {
    const env = testEnv({ TOKEN_FLUSH_WORKER: 'false', TOKEN_RECORD_RETENTION_DAYS: '7' });
    app = await bootApp(defineApp(loadAuthConfig(env)));
    tokens = app.get(IssuedTokenRepository);
  });

  afterAll(async () => {
    await app.close();
  });

  it('deletes the records of tokens expired longer than the retention, and keeps the others', async () => {
    const [old, older, recent, live] = [8, 400, 6, -1].map(expiredDaysAgo);
    await tokens.insertMany([old, older, recent, live]);
    expect(await app.get(TokenRecordPruner).prune(now)).toBeGreaterThanOrEqual(2);
    const counts = await tokens.countByJti([old, older, recent, live].map((r) => r.jti));
    expect([old, older, recent, live].map((r) => counts.get(r.jti) ?? 0)).toEqual([0, 0, 1, 1]);
  });

  it('keeps every record with a retention of 0 days', async () => {
    const ancient = expiredDaysAgo(3000);
    await tokens.insertMany([ancient]);
    const keepForever = new TokenRecordPruner(
      new TokenFlushConfig(1000, 5000, false, 30_000, 0),
      tokens,
      new Registry(),
    );
    expect(await keepForever.prune(now)).toBe(0);
    expect((await tokens.countByJti([ancient.jti])).get(ancient.jti)).toBe(1);
  });

  it('schedules the prune job hourly, once for every pod', async () => {
    const queue = app.get<Queue>(getQueueToken(TOKEN_FLUSH_QUEUE));
    const scheduler = await queue.getJobScheduler(PRUNE_SCHEDULER);
    expect(scheduler).toMatchObject({ name: PRUNE_JOB, every: 3_600_000 });
  });
});
