// Helpers of events.bench.ts: the event workload, and a breakdown of where one
// clients.applyEvents call spends its time, with the registry booted in this process.
import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { loadClientRegistryConfig, type loadToolingConfig } from '@libs/config';
import { sha256SecretHash, type AdminClientEvent, type AdminClientEventType } from '@libs/models';
import { createHttpApp } from '@libs/platform';
import { AppModule } from '../apps/client-registry/src/app.module';
import { ClientCache } from '../apps/client-registry/src/clients/client-cache';
import { ClientsService } from '../apps/client-registry/src/clients/clients.service';
import { OutboxRelay } from '../apps/client-registry/src/outbox/outbox.relay';
import { BENCH_KEK } from './support/processes';

const LIFECYCLE: AdminClientEventType[] = [
  'client.created',
  'client.updated',
  'client.api_key_rotated',
  'client.suspended',
  'client.revoked',
];

/** Every client id and event id a run generated (for cleanup). */
export const generated = { clientIds: new Set<string>(), eventIds: [] as string[] };

/**
 * Five events per client (created, updated, api_key_rotated, suspended, revoked, versions 1–5),
 * in rounds: every client's created event first, then every update, and so on, as a bulk
 * onboarding followed by changes would arrive.
 */
export function lifecycleEvents(clients: number): AdminClientEvent[] {
  const ids = Array.from({ length: clients }, () => randomUUID());
  ids.forEach((id) => generated.clientIds.add(id));
  const occurredAt = new Date().toISOString();
  const events = LIFECYCLE.flatMap((type, v) =>
    ids.map((client_id) => ({
      id: uuidv7(),
      type,
      occurredAt,
      payload: payloadOf(type, client_id, v + 1),
    })),
  );
  generated.eventIds.push(...events.map((e) => e.id));
  return events;
}

function payloadOf(type: AdminClientEventType, client_id: string, version: number) {
  const hash = () => sha256SecretHash(randomBytes(8).toString('hex'));
  switch (type) {
    case 'client.created':
      return {
        client_id,
        version,
        client_code: `bench-${client_id.slice(0, 8)}`,
        client_secret_hash: hash(),
        scopes: ['orders:read'],
        allowed_ips: ['10.0.0.0/8'],
        rate_limit: 600,
      };
    case 'client.updated':
      return { client_id, version, rate_limit: 1_200, scopes: ['orders:read', 'orders:write'] };
    case 'client.api_key_rotated':
      return { client_id, version, api_key_hash: hash() };
    case 'client.suspended':
    case 'client.revoked':
      return { client_id, version };
  }
}

/** The XADD field list the Admin Service's contract prescribes. */
export function xaddFields(event: AdminClientEvent): string[] {
  return [
    'id',
    event.id,
    'type',
    event.type,
    'occurredAt',
    event.occurredAt,
    'correlationId',
    'bench',
    'payload',
    JSON.stringify(event.payload),
  ];
}

const KINDS: [RegExp, string][] = [
  [
    /pg_advisory_xact_lock|FROM client_registry\.clients .*FOR UPDATE/s,
    'lock clients (after a lost race only)',
  ],
  [/FROM client_registry\.clients/, 'read clients (no locks)'],
  [/INSERT INTO client_registry\.processed_events/, 'record event ids (processed_events)'],
  [/UPDATE client_registry\.clients/, 'update clients (typed unnest, xmin-fenced)'],
  [/INSERT INTO client_registry\.clients/, 'insert new clients (typed unnest)'],
  [/INSERT INTO client_registry\.outbox/, 'insert the outbox row'],
];

/**
 * Boots the registry here (its outbox relay stopped), calls ClientsService.applyEvents with
 * `batches` batches of `size` lifecycle events, and prints the mean time per call by part: each
 * statement (timed by wrapping EntityManager.query), the Redis evictions, and the rest
 * (pool checkout, BEGIN/COMMIT, JavaScript). Then times the relay publishing those changes.
 */
export async function profileApplyEvents(
  tooling: ReturnType<typeof loadToolingConfig>,
  prefix: string,
  batches: number,
  size: number,
): Promise<void> {
  const config = loadClientRegistryConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'error',
    DATABASE_URL: tooling.database.url,
    REDIS_URL: tooling.redis.url,
    REDIS_KEY_PREFIX: prefix,
    ADMIN_TOKEN: randomBytes(24).toString('hex'),
    PORTICO_KEK: BENCH_KEK,
    CLIENT_REGISTRY_CACHE_TTL: '5',
  });
  const app = await createHttpApp(AppModule.forRoot(config), config);
  await app.init();
  const relay = app.get(OutboxRelay);
  await relay.onApplicationShutdown();
  const spent = new Map<string, number>();
  const add = (kind: string, ms: number) => spent.set(kind, (spent.get(kind) ?? 0) + ms);
  const restore = [timeQueries(add), timeEvictions(add)];
  const clients = app.get(ClientsService);
  const events = lifecycleEvents(Math.ceil((batches * size) / 5)).slice(0, batches * size);
  let total = 0;
  let applied = 0;
  for (let i = 0; i < events.length; i += size) {
    const started = performance.now();
    applied += (await clients.applyEvents(events.slice(i, i + size))).applied;
    total += performance.now() - started;
  }
  restore.forEach((undo) => undo());
  const perCall = (ms: number) =>
    `${(ms / batches).toFixed(2).padStart(8)} ms  ${((ms / total) * 100).toFixed(0).padStart(3)} %`;
  console.log(
    `\nwhere one clients.applyEvents call of ${size} events spends its time (mean of ${batches}, in process, no RPC)`,
  );
  for (const [kind, ms] of spent) console.log(`  ${kind.padEnd(44)}${perCall(ms)}`);
  const rest = total - [...spent.values()].reduce((a, b) => a + b, 0);
  console.log(`  ${'rest: pool, BEGIN/COMMIT, JavaScript'.padEnd(44)}${perCall(rest)}`);
  console.log(
    `  ${'total'.padEnd(44)}${perCall(total)}  = ${Math.round((events.length / total) * 1000).toLocaleString('en-US')} events/s`,
  );
  const started = performance.now();
  const rows = await relay.publishPending();
  const ms = performance.now() - started;
  // Every event of this workload changes a client of its own, so changes = applied events.
  console.log(
    `  outbox relay afterwards: ${rows} outbox rows, ${applied} changes published in ${ms.toFixed(0)} ms = ${Math.round((applied / ms) * 1000).toLocaleString('en-US')} changes/s`,
  );
  await app.close();
}

function timeQueries(add: (kind: string, ms: number) => void): () => void {
  const original = EntityManager.prototype.query;
  EntityManager.prototype.query = async function timed(
    this: EntityManager,
    sql: string,
    parameters?: unknown[],
  ) {
    const kind = KINDS.find(([pattern]) => pattern.test(sql))?.[1] ?? 'other statements';
    const started = performance.now();
    try {
      return await original.call(this, sql, parameters);
    } finally {
      add(kind, performance.now() - started);
    }
  } as typeof original;
  return () => (EntityManager.prototype.query = original);
}

function timeEvictions(add: (kind: string, ms: number) => void): () => void {
  const original = ClientCache.prototype.evict;
  ClientCache.prototype.evict = async function timed(this: ClientCache, records) {
    const started = performance.now();
    try {
      return await original.call(this, records);
    } finally {
      add('evict Redis copies (one script call)', performance.now() - started);
    }
  };
  return () => (ClientCache.prototype.evict = original);
}
