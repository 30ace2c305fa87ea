// npm run bench -- flush [--records=N] [--runs=N]
//
// Token records persisted by auth's BullMQ flush jobs, beside a raw `unnest` batch insert into
// the same table in the same run. The records are XADDed to the buffer stream exactly as the
// token endpoint writes them while the flush queue is paused; the clock starts when the queue is
// resumed and stops when the stream is empty and every record is a row in auth.issued_tokens.
import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { Pool } from 'pg';
import { RedisConfig } from '@libs/config';
import { Streams } from '@libs/messaging';
import { closeRedis, createRedis } from '@libs/redis';
import { TOKEN_FLUSH_QUEUE } from '../apps/auth/src/records/token-flush.constants';
import {
  recordFields,
  recordsInsert,
  type TokenRecord,
} from '../apps/auth/src/records/token-record';
import { machineLine } from './support/machine';
import {
  BENCH_KEK,
  benchTooling,
  freePort,
  killAll,
  migrate,
  ready,
  startApp,
  stop,
  waitUntil,
} from './support/processes';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '200000' },
    runs: { type: 'string', default: '3' },
  },
});
const RECORDS = Math.max(1_000, Number(args.records));
const RUNS = Math.max(1, Number(args.runs));
const BATCH = 1_000;
const tooling = benchTooling();
const prefix = `bench:flush:${randomBytes(4).toString('hex')}:`;
const stream = `${prefix}${Streams.AuthIssuedTokens}`;
// Every row of the run belongs to one of these clients, so cleanup finds them all.
const clientIds = Array.from({ length: 16 }, () => randomUUID());

function records(n: number): TokenRecord[] {
  const now = Math.floor(Date.now() / 1000);
  return Array.from({ length: n }, (_, i) => ({
    jti: randomUUID(),
    clientId: clientIds[i % clientIds.length],
    scope: 'orders:read orders:write',
    audience: 'https://api.example.com',
    issuedAt: now,
    expiresAt: now + 900,
    sourceIp: `10.0.${(i >> 8) & 255}.${i & 255}`,
  }));
}

/** The anchor: the same rows inserted straight from memory, one `unnest` statement per batch. */
async function rawInsert(pool: Pool, rows: readonly TokenRecord[]): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < rows.length; i += BATCH) {
    const batch = rows.slice(i, i + BATCH);
    await pool.query(...recordsInsert(batch));
  }
  return (rows.length / (performance.now() - started)) * 1000;
}

async function buffer(redis: Redis, rows: readonly TokenRecord[]): Promise<void> {
  for (let i = 0; i < rows.length; i += BATCH) {
    const pipeline = redis.pipeline();
    for (const r of rows.slice(i, i + BATCH))
      pipeline.xadd(stream, 'MAXLEN', '~', 10_000_000, '*', ...recordFields(r));
    await pipeline.exec();
  }
}

async function rowCount(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM auth.issued_tokens WHERE client_id = ANY($1::uuid[])',
    [clientIds],
  );
  return rows[0].n;
}

/** Buffers `rows` with the flush queue paused, resumes it, and times the jobs draining it. */
async function flushJobs(redis: Redis, pool: Pool, queue: Queue, rows: readonly TokenRecord[]) {
  const before = await rowCount(pool);
  await queue.pause();
  await buffer(redis, rows);
  const started = performance.now();
  await queue.resume();
  await waitUntil(
    'the flush jobs to drain the buffer',
    async () => (await redis.xlen(stream)) === 0 && (await rowCount(pool)) === before + rows.length,
    300_000,
    5,
  );
  return (rows.length / (performance.now() - started)) * 1000;
}

async function main(): Promise<void> {
  console.log(machineLine());
  console.log(`${RECORDS} records per run, ${RUNS} runs (best kept), batches of ${BATCH}\n`);
  await migrate(tooling.database.url);
  const pool = new Pool({ connectionString: tooling.database.url, max: 2 });
  const redis = createRedis(new RedisConfig(tooling.redis.url, ''));
  const port = await freePort();
  const auth = startApp('auth', {
    NODE_ENV: 'production',
    LOG_LEVEL: 'error',
    HOST: '127.0.0.1',
    DATABASE_URL: tooling.database.url,
    REDIS_URL: tooling.redis.url,
    REDIS_KEY_PREFIX: prefix,
    ADMIN_TOKEN: randomBytes(24).toString('hex'),
    PORTICO_KEK: BENCH_KEK,
    AUTH_PORT: String(port),
    ISSUER: `http://127.0.0.1:${port}`,
    TOKEN_FLUSH_INTERVAL_MS: '100',
    SHUTDOWN_DRAIN_MS: '0',
  });
  const queue = new Queue(TOKEN_FLUSH_QUEUE, {
    connection: createRedis(new RedisConfig(tooling.redis.url, ''), { maxRetriesPerRequest: null }),
    prefix: `${prefix}{portico}`,
  });
  try {
    await waitUntil('auth', ready(port), 60_000, 200);
    await flushJobs(redis, pool, queue, records(5_000)); // warm-up
    await rawInsert(pool, records(5_000));
    let [raw, flushed] = [0, 0];
    for (let run = 0; run < RUNS; run++) {
      raw = Math.max(raw, await rawInsert(pool, records(RECORDS)));
      flushed = Math.max(flushed, await flushJobs(redis, pool, queue, records(RECORDS)));
    }
    const line = (what: string, perSecond: number, note: string) =>
      console.log(
        `  ${what.padEnd(58)}${Math.round(perSecond).toLocaleString('en-US').padStart(9)} rows/s   ${note}`,
      );
    line('raw unnest insert, one connection, 1 000 rows/statement', raw, 'anchor');
    line(
      'auth flush jobs: XREADGROUP -> INSERT ... unnest -> XACK/XDEL',
      flushed,
      `${(flushed / raw).toFixed(2)}x raw (target >= 0.75x), target >= 100,000 rows/s: ${(flushed / 100_000).toFixed(2)}x`,
    );
  } finally {
    await stop(auth);
    await queue.obliterate({ force: true });
    await queue.close();
    await redis.del(stream);
    await pool.query('DELETE FROM auth.issued_tokens WHERE client_id = ANY($1::uuid[])', [
      clientIds,
    ]);
    await pool.end();
    await closeRedis(redis);
  }
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(killAll);
