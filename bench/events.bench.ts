// npm run bench -- events [--events=N] [--raw=N] [--registry=N] [--batch=N] [--in-flight=N]
//                         [--profile=N]
//
// Admin events applied end to end: the registry and the event consumer run as real processes
// (dist/), N lifecycle events are XADDed as the Admin Service does, and the clock stops when the
// consumer group has acked every entry (an entry is acked only after the registry committed
// it). Beside it, in the same run: raw XADD and XREADGROUP+XACK throughput on the same Redis,
// the registry's clients.applyEvents alone over RPC, the consumer's validation cost, the CPU time
// each process (apps, PostgreSQL, Redis, this publisher) spent per event end to end, and a
// breakdown of one applyEvents transaction (events.profile.ts).
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { Redis } from 'ioredis';
import { Pool } from 'pg';
import { RedisConfig } from '@libs/config';
import { RpcClient, Streams } from '@libs/messaging';
import type { AdminClientEvent, ApplyEventsResult } from '@libs/models';
import { closeRedis, createRedis } from '@libs/redis';
import { validateAdminEvent } from '../apps/event-consumer/src/admin-events/admin-event.validation';
import { generated, lifecycleEvents, profileApplyEvents, xaddFields } from './events.profile';
import { cpuSnapshot, cpuSpent } from './support/cpu-accounting';
import {
  BENCH_KEK,
  benchTooling,
  children,
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
    events: { type: 'string', default: '50000' }, // end-to-end events (5 per client)
    raw: { type: 'string', default: '200000' }, // entries for the raw XADD / XREADGROUP anchors
    registry: { type: 'string', default: '20000' }, // events for the registry-alone figure
    batch: { type: 'string', default: '1000' }, // consumer batch size and registry call size
    'in-flight': { type: 'string' }, // consumer batches in flight (default: the consumer's own)
    profile: { type: 'string', default: '10' }, // in-process applyEvents batches to break down
  },
});
const int = (name: keyof typeof args) => Math.max(1, Math.floor(Number(args[name])));
const EVENTS = int('events');
const RAW = int('raw');
const REGISTRY_EVENTS = int('registry');
const BATCH = Math.min(int('batch'), 5_000);
const PROFILE = int('profile');
/** Consumer batches in flight; undefined leaves the consumer's own default. */
const IN_FLIGHT = args['in-flight'] === undefined ? undefined : String(int('in-flight'));

const tooling = benchTooling();
const prefix = `bench:events:${randomBytes(4).toString('hex')}:`;
const rate = (n: number, ms: number) => Math.round((n / ms) * 1000);
const fmt = (n: number) => n.toLocaleString('en-US').padStart(9);

/** Raw XADD (pipelined, 1 000 per round trip) and XREADGROUP+XACK on a scratch stream. */
async function rawAnchors(redis: Redis): Promise<{ xadd: number; readAck: number }> {
  const key = `${prefix}bench:raw`;
  const sample = lifecycleEvents(1)[0];
  const fields = xaddFields(sample);
  let started = performance.now();
  for (let i = 0; i < RAW; i += 1_000) {
    const pipeline = redis.pipeline();
    for (let j = i; j < Math.min(RAW, i + 1_000); j++)
      pipeline.xadd(key, 'MAXLEN', '~', RAW, '*', ...fields);
    await pipeline.exec();
  }
  const xadd = rate(RAW, performance.now() - started);
  await redis.xgroup('CREATE', key, 'g', '0');
  started = performance.now();
  for (let read = 0; read < RAW;) {
    const reply = (await redis.call(
      'XREADGROUP',
      'GROUP',
      'g',
      'c',
      'COUNT',
      1_000,
      'STREAMS',
      key,
      '>',
    )) as unknown[];
    const entries = ((Array.isArray(reply[0]) ? (reply[0] as unknown[])[1] : reply[1]) ?? []) as [
      string,
      string[],
    ][];
    if (entries.length === 0) break;
    await redis.xack(key, 'g', ...entries.map(([id]) => id));
    read += entries.length;
  }
  const readAck = rate(RAW, performance.now() - started);
  await redis.del(key);
  return { xadd, readAck };
}

/** True once the consumer group has delivered and acked every entry of the admin stream. */
async function drained(redis: Redis): Promise<boolean> {
  const groups = (await redis.xinfo(
    'GROUPS',
    `${prefix}${Streams.AdminClientEvents}`,
  )) as unknown[][];
  const g = groups.find((row) => row[row.indexOf('name') + 1] === 'event-consumer') ?? [];
  return g[g.indexOf('lag') + 1] === 0 && g[g.indexOf('pending') + 1] === 0;
}

async function publish(redis: Redis, events: readonly AdminClientEvent[]): Promise<void> {
  const key = `${prefix}${Streams.AdminClientEvents}`;
  for (let i = 0; i < events.length; i += 1_000) {
    const pipeline = redis.pipeline();
    for (const event of events.slice(i, i + 1_000))
      pipeline.xadd(key, 'MAXLEN', '~', 1_000_000, '*', ...xaddFields(event));
    await pipeline.exec();
  }
}

/** The app processes under test, by label, for CPU accounting. */
const apps: Record<string, number | undefined> = {};

const cpuNow = () => cpuSnapshot({ ...apps, 'bench (publisher)': process.pid });

/** Publishes `events` and answers the ms until the group acked the last one, and who used the CPU. */
async function endToEnd(
  redis: Redis,
  events: readonly AdminClientEvent[],
): Promise<{ ms: number; cpu: Map<string, number> }> {
  const before = cpuNow();
  const started = performance.now();
  await publish(redis, events);
  await waitUntil('the consumer to drain the stream', () => drained(redis), 300_000);
  const ms = performance.now() - started;
  return { ms, cpu: cpuSpent(before, cpuNow()) };
}

async function registryAlone(rpc: RpcClient): Promise<number> {
  const events = lifecycleEvents(Math.ceil(REGISTRY_EVENTS / 5)).slice(0, REGISTRY_EVENTS);
  const started = performance.now();
  for (let i = 0; i < events.length; i += BATCH)
    await rpc.request<ApplyEventsResult>(
      'client-registry',
      'clients.applyEvents',
      { events: events.slice(i, i + BATCH) },
      { timeoutMs: 60_000 },
    );
  return rate(events.length, performance.now() - started);
}

async function validationCost(): Promise<number> {
  const events = lifecycleEvents(2_000);
  const started = performance.now();
  for (const event of events) await validateAdminEvent(event);
  return ((performance.now() - started) * 1000) / events.length;
}

/** Starts the registry and the consumer from dist/ on free ports; resolves once both are ready. */
async function startApps(): Promise<void> {
  const [registryPort, consumerPort] = [await freePort(), await freePort()];
  const env = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'error',
    HOST: '127.0.0.1',
    DATABASE_URL: tooling.database.url,
    REDIS_URL: tooling.redis.url,
    REDIS_KEY_PREFIX: prefix,
    ADMIN_TOKEN: randomBytes(24).toString('hex'),
    PORTICO_KEK: BENCH_KEK,
    // Tombstones of evicted clients expire quickly so the run leaves nothing behind.
    CLIENT_REGISTRY_CACHE_TTL: '5',
    CLIENT_REGISTRY_PORT: String(registryPort),
    EVENT_CONSUMER_PORT: String(consumerPort),
    EVENT_CONSUMER_BATCH_SIZE: String(BATCH),
    ...(IN_FLIGHT ? { EVENT_CONSUMER_BATCHES_IN_FLIGHT: IN_FLIGHT } : {}),
    SHUTDOWN_DRAIN_MS: '0',
  };
  apps['client-registry'] = startApp('client-registry', env).pid;
  apps['event-consumer'] = startApp('event-consumer', env).pid;
  await waitUntil('the registry', ready(registryPort), 60_000, 200);
  await waitUntil('the consumer', ready(consumerPort), 60_000, 200);
}

interface Figures {
  e2e: number;
  events: number;
  seconds: number;
  cpu: Map<string, number>;
  xadd: number;
  readAck: number;
  alone: number;
  validateUs: number;
}

function report({ e2e, events, seconds, cpu, xadd, readAck, alone, validateUs }: Figures): void {
  const line = (what: string, value: string, note: string) =>
    console.log(`  ${what.padEnd(54)}${value}   ${note}`);
  console.log('\nthroughput (events or entries per second)');
  line(
    'end to end: XADD -> consumer -> registry commit -> XACK',
    fmt(e2e),
    `target >= 20,000: ${(e2e / 20_000).toFixed(2)}x`,
  );
  line('raw XADD (pipelined)', fmt(xadd), `end to end / raw: ${(e2e / xadd).toFixed(3)}`);
  line(
    'raw XREADGROUP + XACK (COUNT 1000)',
    fmt(readAck),
    `end to end / raw: ${(e2e / readAck).toFixed(3)}`,
  );
  line(
    `registry clients.applyEvents alone (RPC, ${BATCH}/call)`,
    fmt(alone),
    `end to end / registry alone: ${(e2e / alone).toFixed(2)}`,
  );
  line(
    'consumer validation, one event (µs)',
    validateUs.toFixed(1).padStart(9),
    `= ${fmt(Math.round(1e6 / validateUs))} events/s on one core`,
  );
  reportCpu(cpu, events, seconds);
}

/** CPU per event by process during the end-to-end run, and how busy the machine's cores were. */
function reportCpu(cpu: Map<string, number>, events: number, seconds: number): void {
  if (cpu.size === 0) return console.log('\nCPU per event: not available (no /proc)');
  const total = [...cpu.values()].reduce((a, b) => a + b, 0);
  console.log('\nCPU per event during the end-to-end run (µs of CPU time, all cores)');
  for (const [label, used] of [...cpu].sort((a, b) => b[1] - a[1]))
    console.log(`  ${label.padEnd(24)}${((used * 1e6) / events).toFixed(1).padStart(8)}`);
  console.log(
    `  ${'total'.padEnd(24)}${((total * 1e6) / events).toFixed(1).padStart(8)}` +
      `   cores busy ${((100 * total) / (seconds * cpus().length)).toFixed(0)} %`,
  );
}

async function main(): Promise<void> {
  const cpu = cpus();
  console.log(
    `machine: ${cpu[0]?.model ?? 'unknown cpu'}, ${cpu.length} cores, node ${process.version}`,
  );
  console.log(
    `events: ${EVENTS} end to end, batch ${BATCH}, ` +
      `${IN_FLIGHT ?? 'default'} batches in flight; raw anchors ${RAW} entries; Redis prefix ${prefix}`,
  );
  await migrate(tooling.database.url);
  const redis = createRedis(new RedisConfig(tooling.redis.url, ''));
  const { xadd, readAck } = await rawAnchors(redis);
  await startApps();
  await endToEnd(redis, lifecycleEvents(400)); // warm-up
  const events = lifecycleEvents(Math.ceil(EVENTS / 5)).slice(0, EVENTS);
  const run = await endToEnd(redis, events);
  const e2e = rate(events.length, run.ms);
  const rpc = new RpcClient({
    redis: new RedisConfig(tooling.redis.url, prefix),
    instanceId: `bench-${process.pid}`,
  });
  const alone = await registryAlone(rpc);
  await rpc.close();
  const validateUs = await validationCost();
  await Promise.all(children.map(stop));
  report({
    e2e,
    events: events.length,
    seconds: run.ms / 1000,
    cpu: run.cpu,
    xadd,
    readAck,
    alone,
    validateUs,
  });
  await profileApplyEvents(tooling, prefix, PROFILE, BATCH);
  await cleanup(redis);
  await closeRedis(redis);
}

/** Removes what the run wrote: its streams and the registry rows of its clients. */
async function cleanup(redis: Redis): Promise<void> {
  const streams = [
    Streams.AdminClientEvents,
    Streams.dlq(Streams.AdminClientEvents),
    Streams.ClientRegistryChanges,
    Streams.rpc('client-registry'),
  ];
  await redis.del(...streams.map((s) => `${prefix}${s}`));
  const db = new Pool({ connectionString: tooling.database.url, max: 1 });
  const clientIds = [...generated.clientIds];
  await db.query('DELETE FROM client_registry.processed_events WHERE event_id = ANY($1::text[])', [
    generated.eventIds,
  ]);
  await db.query(
    'DELETE FROM client_registry.outbox WHERE id IN (SELECT outbox_id FROM client_registry.outbox_changes WHERE client_id = ANY($1::uuid[]))',
    [clientIds],
  );
  await db.query('DELETE FROM client_registry.clients WHERE client_id = ANY($1::uuid[])', [
    clientIds,
  ]);
  await db.end();
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(killAll);
