// npm run bench -- messaging [--events=N] [--batch=N] [--rounds=N]
//
// Events per second through the Redis Streams transport — envelope published, decoded, handed
// to a trivial Nest @EventPattern handler, acked — beside raw XADD + XREADGROUP/XACK doing the
// same work with no transport, all in this run against REDIS_URL. Two shapes: a backlog
// drained by one consumer (the DESIGN anchor: raw XREADGROUP+XACK ~180 k/s on 2 cores; target
// ≥ 20 k/s end to end) and publish-while-consuming. Figures go to docs/benchmarks.md.
import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Payload } from '@nestjs/microservices';
import type { Redis } from 'ioredis';
import { randomBytes, randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { loadToolingConfig, RedisConfig } from '@libs/config';
import { RedisStreamsServer, StreamEvent, StreamPublisher } from '@libs/messaging';
import { closeRedis, createRedis, Keyspace } from '@libs/redis';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' }, // events per measurement
    batch: { type: 'string', default: '100' }, // entries per XREADGROUP (the transport default)
    rounds: { type: 'string', default: '3' }, // best of N rounds per candidate
  },
});
const int = (name: keyof typeof args) => Math.max(1, Math.floor(Number(args[name])));
const EVENTS = int('events');
const BATCH = int('batch');
const ROUNDS = int('rounds');
const PUBLISH_CHUNK = 1_000;
const TYPE = 'bench.event';
const PAYLOAD = { client_id: randomUUID(), version: 1, status: 'ACTIVE', scopes: ['a', 'b'] };

const redisUrl = loadToolingConfig().redis.url;
const prefix = `bench:messaging:${randomBytes(4).toString('hex')}:`;
const keyspace = new Keyspace(prefix);
const config = new RedisConfig(redisUrl, prefix);
const redis = createRedis(config);
const publisher = new StreamPublisher(redis, keyspace);
const usedKeys: string[] = [];

let handled = 0;

@Controller()
class BenchConsumer {
  @StreamEvent(TYPE)
  handle(@Payload() _payload: unknown): void {
    handled++;
  }
}

@Module({ controllers: [BenchConsumer] })
class BenchModule {}

/** Fresh stream name per measurement (logical; the key is prefixed). */
function newStream(label: string): string {
  const stream = `stream:bench.${label}.${randomBytes(3).toString('hex')}`;
  usedKeys.push(keyspace.key(stream), keyspace.key(`${stream}.dlq`));
  return stream;
}

/** Publishes `count` envelopes through the publisher, pipelined in chunks. */
async function publishAll(stream: string, count: number): Promise<void> {
  // MAXLEN above the run size, so nothing is trimmed before it is consumed.
  for (let sent = 0; sent < count; sent += PUBLISH_CHUNK) {
    const n = Math.min(PUBLISH_CHUNK, count - sent);
    await publisher.publishMany(
      stream,
      Array.from({ length: n }, () => ({ type: TYPE, payload: PAYLOAD })),
      { maxLen: 1_000_000 },
    );
  }
}

/** Raw producer: the same envelope fields, XADDed in pipelined chunks without the publisher. */
async function rawPublish(key: string, count: number): Promise<void> {
  const fields = ['id', randomUUID(), 'type', TYPE, 'occurredAt', new Date().toISOString()];
  fields.push('correlationId', randomUUID(), 'payload', JSON.stringify(PAYLOAD));
  for (let sent = 0; sent < count; sent += PUBLISH_CHUNK) {
    const pipeline = redis.pipeline();
    const n = Math.min(PUBLISH_CHUNK, count - sent);
    for (let i = 0; i < n; i++) pipeline.xadd(key, 'MAXLEN', '~', 1_000_000, '*', ...fields);
    await pipeline.exec();
  }
}

/** Raw consumer: XREADGROUP a batch, XACK its ids, until `count` entries were acked. */
async function rawConsume(conn: Redis, key: string, count: number): Promise<void> {
  let acked = 0;
  while (acked < count) {
    const reply = (await conn.call(
      'XREADGROUP',
      'GROUP',
      'g',
      'c',
      'COUNT',
      BATCH,
      'BLOCK',
      1000,
      'STREAMS',
      key,
      '>',
    )) as unknown[] | null;
    if (!reply) continue;
    const entries = (Array.isArray(reply[0]) ? (reply[0] as unknown[])[1] : reply[1]) as [
      string,
      string[],
    ][];
    const ids = entries.map((e) => e[0]);
    await conn.xack(key, 'g', ...ids);
    acked += ids.length;
  }
}

async function raw(shape: 'backlog' | 'live'): Promise<number> {
  const key = keyspace.key(newStream(`raw-${shape}`));
  const conn = createRedis(config, { enableAutoPipelining: false });
  await redis.xgroup('CREATE', key, 'g', '0', 'MKSTREAM');
  if (shape === 'backlog') await rawPublish(key, EVENTS);
  const started = performance.now();
  const consumed = rawConsume(conn, key, EVENTS);
  if (shape === 'live') await rawPublish(key, EVENTS);
  await consumed;
  const seconds = (performance.now() - started) / 1000;
  await closeRedis(conn);
  await redis.del(key);
  return EVENTS / seconds;
}

async function transport(shape: 'backlog' | 'live'): Promise<number> {
  const stream = newStream(`transport-${shape}`);
  if (shape === 'backlog') await publishAll(stream, EVENTS);
  handled = 0;
  const server = new RedisStreamsServer({
    redis: config,
    groups: [{ stream, group: 'g', batchSize: BATCH, blockMs: 1_000 }],
  });
  const app = await NestFactory.createMicroservice(BenchModule, {
    strategy: server,
    logger: false,
  });
  const started = performance.now();
  await app.listen();
  if (shape === 'live') await publishAll(stream, EVENTS);
  while (handled < EVENTS || (await pending(stream)) > 0) await sleep(2);
  const seconds = (performance.now() - started) / 1000;
  await app.close();
  await redis.del(keyspace.key(stream));
  return EVENTS / seconds;
}

async function pending(stream: string): Promise<number> {
  const [count] = (await redis.xpending(keyspace.key(stream), 'g')) as [number];
  return Number(count);
}

async function best(run: () => Promise<number>): Promise<number> {
  let top = 0;
  for (let i = 0; i < ROUNDS; i++) top = Math.max(top, await run());
  return top;
}

const fmt = (perSecond: number) => `${(perSecond / 1000).toFixed(1).padStart(7)} k/s`;

async function main(): Promise<void> {
  const info = (await redis.info('server')).match(/redis_version:(\S+)/)?.[1] ?? '?';
  console.log(
    `machine: ${cpus()[0]?.model ?? '?'} × ${cpus().length} cores, node ${process.version}, redis ${info}`,
  );
  console.log(`events per run: ${EVENTS}, batch ${BATCH}, best of ${ROUNDS}\n`);
  for (const shape of ['backlog', 'live'] as const) {
    const rawRate = await best(() => raw(shape));
    const transportRate = await best(() => transport(shape));
    const what = shape === 'backlog' ? 'drain a backlog' : 'publish while consuming';
    console.log(`${what}:`);
    console.log(`  raw XADD + XREADGROUP/XACK  ${fmt(rawRate)}`);
    console.log(
      `  transport (publish → handler → ack) ${fmt(transportRate)}   ratio ${(transportRate / rawRate).toFixed(2)}`,
    );
  }
  console.log(
    '\nanchors (DESIGN §12): raw XREADGROUP+XACK ~180 k/s on a 2-core box; target ≥ 20 k events/s',
  );
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(async () => {
    if (usedKeys.length > 0) await redis.del(...usedKeys);
    await closeRedis(redis);
  });
