// npm run bench -- sync [--clients 1000,2000] [--duration 20] [--rate 1] [--window 5000]
//
// Holds N simulated users, each with a running collection sync whose requests their own client
// answers at once, against one sync-orchestrator process; prints memory per session and
// message latency beside a bare socket.io server holding N sockets (the anchor), with ratios.
// Memory is the live heap after a full collection (through each process's inspector).
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import {
  freePort,
  spawnNode,
  statusOf,
  testDatabaseUrl,
  testEnv,
  TestJwtIssuer,
  waitFor,
} from '@libs/testing';
import type { SyncClient } from '@libs/sync-client';
import { liveMemory } from './support/inspector-memory';
import { machineLine } from './support/machine';
import {
  connectAnchorSockets,
  Samples,
  startSimulatedUser,
  type ClientProbes,
} from './support/sync-bench-clients';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const STEPS = arg('clients', '1000').split(',').map(Number);
const DURATION_S = Number(arg('duration', '20'));
const RATE = Number(arg('rate', '1'));
const WINDOW_MS = Number(arg('window', '5000'));
const PAGES = 100_000; // sessions never run out of pages during a run
const TARGET_BYTES = 50 * 1024;

const step = (what: string) => process.stderr.write(`… ${what}\n`);
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const ms = (s: Samples) =>
  `p50 ${s.percentile(50).toFixed(1)} / p99 ${s.percentile(99).toFixed(1)} ms`;

interface Figures {
  sessions: number;
  dispatched: number;
  rejected: number;
}

async function metrics(url: string): Promise<Figures> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const read = (name: string, label = '') => {
    const lines = text.split('\n').filter((l) => l.startsWith(`${name}{`) && l.includes(label));
    return lines.reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
  };
  return {
    sessions: read('sync_active_sessions'),
    dispatched: read('sync_requests_dispatched_total'),
    rejected: read('sync_responses_total', 'outcome="rejected"'),
  };
}

async function inBatches<T>(
  count: number,
  size: number,
  make: (i: number) => Promise<T>,
): Promise<T[]> {
  const made: T[] = [];
  for (let i = 0; i < count; i += size) {
    made.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(size, count - i) }, (_, j) => make(i + j)),
      )),
    );
  }
  return made;
}

async function runSync(n: number, issuer: TestJwtIssuer, runId: string) {
  const port = await freePort();
  const inspector = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const app = spawnNode(join(__dirname, '../apps/sync-orchestrator/src/main.js'), {
    NODE_OPTIONS: `--inspect=127.0.0.1:${inspector}`,
    ...testEnv({
      LOG_LEVEL: 'error',
      ISSUER: issuer.issuer,
      SYNC_ORCHESTRATOR_PORT: String(port),
      HOST: '127.0.0.1',
    }),
    SYNC_RATE_LIMIT: String(RATE),
    SYNC_RATE_WINDOW_MS: String(WINDOW_MS),
  });
  try {
    await waitFor(
      'sync-orchestrator',
      async () => (await statusOf(`${url}/health/ready`)) === 200,
      20_000,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${app.output()}`);
    });
    const base = await liveMemory(inspector);
    step(`connecting ${n} simulated users`);
    const probes: ClientProbes = { delivery: new Samples(), handling: new Samples(), errors: 0 };
    const clients: SyncClient[] = await inBatches(n, 100, (i) =>
      startSimulatedUser(url, issuer, `bench-${runId}-${n}-${i}`, PAGES, probes),
    );
    step('waiting until every session is driven');
    await waitFor('every session driven', async () => (await metrics(url)).sessions >= n, 120_000);
    await sleep(3_000);
    probes.delivery.reset();
    probes.handling.reset();
    const before = await metrics(url);
    step(`measuring for ${DURATION_S} s`);
    await sleep(DURATION_S * 1_000);
    const after = await metrics(url);
    const held = await liveMemory(inspector);
    for (const c of clients) c.close();
    return {
      sessions: after.sessions,
      heapPerSession: (held.heap - base.heap) / n,
      rssPerSession: (held.rss - base.rss) / n,
      dispatchRate: (after.dispatched - before.dispatched) / DURATION_S,
      rejected: after.rejected,
      errors: probes.errors,
      probes,
    };
  } catch (error) {
    process.stderr.write(`sync-orchestrator output:\n${app.output().slice(-4_000)}\n`);
    throw error;
  } finally {
    await app.stop();
  }
}

async function runAnchor(n: number) {
  const port = await freePort();
  const inspector = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = spawnNode(
    join(__dirname, 'servers/socketio-anchor.server.js'),
    { NODE_OPTIONS: `--inspect=127.0.0.1:${inspector}` },
    [String(port), String(WINDOW_MS / RATE)],
  );
  try {
    await waitFor('anchor server', async () => (await statusOf(url)) === 200, 10_000);
    const base = await liveMemory(inspector);
    step(`anchor: ${n} bare sockets`);
    const delivery = new Samples();
    const sockets = await connectAnchorSockets(url, n, delivery);
    await sleep(2_000);
    delivery.reset();
    await sleep(Math.max(5, DURATION_S / 2) * 1_000);
    const held = await liveMemory(inspector);
    for (const s of sockets) s.disconnect();
    return {
      heapPerSocket: (held.heap - base.heap) / n,
      rssPerSocket: (held.rss - base.rss) / n,
      delivery,
    };
  } finally {
    await server.stop();
  }
}

/** Removes what the run wrote to the test database (its users are unique to the run). */
async function cleanUp(runId: string): Promise<void> {
  const db = new Client({ connectionString: testDatabaseUrl() });
  await db.connect();
  const users = `bench-${runId}-%`;
  for (const table of ['discogs_items', 'discogs_rate_limits', 'discogs_collection_syncs']) {
    await db.query(`DELETE FROM sync.${table} WHERE user_id LIKE $1`, [users]);
  }
  await db.end();
}

async function main(): Promise<void> {
  console.log(machineLine());
  console.log(
    `pacing ${RATE} request(s) per ${WINDOW_MS} ms per session; ${DURATION_S} s measured per step`,
  );
  const issuer = await TestJwtIssuer.start();
  const runId = randomUUID().slice(0, 8);
  try {
    for (const n of STEPS) {
      const sync = await runSync(n, issuer, runId);
      await cleanUp(runId);
      const anchor = await runAnchor(n);
      const { delivery, handling } = sync.probes;
      // Sustained: every session driven, no errors, the offered rate dispatched, answers
      // handled within a second.
      const offered = (n * RATE * 1000) / WINDOW_MS;
      const sustained =
        sync.sessions >= n &&
        sync.errors === 0 &&
        sync.dispatchRate >= 0.95 * offered &&
        handling.percentile(99) < 1_000;
      console.log(`\n== ${n} concurrent sessions (${sustained ? 'sustained' : 'NOT sustained'})`);
      console.log(
        `sessions driven           ${sync.sessions}, client errors ${sync.errors}, rejected answers ${sync.rejected}`,
      );
      console.log(
        `requests dispatched       ${sync.dispatchRate.toFixed(0)}/s (offered ${offered.toFixed(0)}/s)`,
      );
      console.log(
        `heap per session          ${kib(sync.heapPerSession)}   anchor socket ${kib(anchor.heapPerSocket)}   ratio ${(sync.heapPerSession / anchor.heapPerSocket).toFixed(2)}   target ≤ ${kib(TARGET_BYTES)}`,
      );
      console.log(
        `rss per session           ${kib(sync.rssPerSession)}   anchor socket ${kib(anchor.rssPerSocket)}`,
      );
      console.log(
        `request delivery latency  ${ms(delivery)}   anchor ${ms(anchor.delivery)}   p99 ratio ${(delivery.percentile(99) / anchor.delivery.percentile(99)).toFixed(2)}`,
      );
      console.log(`answer → progress latency ${ms(handling)} (${handling.count} answers)`);
    }
  } finally {
    await issuer.close();
    await cleanUp(runId);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
