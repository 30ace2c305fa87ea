// npm run bench -- token [--seconds 10] [--connections 50] [--share 0.8]
//                        [--only portico|ceiling|oidc]
//                        [--auth-node-options "<v8 flags>"] [--flush-worker off]
// Portico's token endpoint (full path: client from L1, secret check, rate limit in Redis, ES256,
// durable record XADD), oidc-provider, and the ceiling (minimal Fastify + fast-jwt, no I/O), each
// server alone on CPU 0 and the load generator on CPU 1. Then Portico at a fixed offered load
// of 80 % of its own peak for the p99. Prints req/s, p50, p99 and the ratios of DESIGN §12.
import autocannon from 'autocannon';
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { machineLine } from './support/machine';
import { openLoop, type OpenLoopResult } from './support/open-loop';
import { BENCH_KEK, benchTooling, migrate } from './support/processes';

const root = resolve(__dirname, '../..');
const text = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] ?? '') : undefined;
};
const arg = (name: string, fallback: number) => {
  const value = text(name);
  return value === undefined ? fallback : Number(value);
};
const SECONDS = arg('seconds', 10);
/** The fixed offered load as a share of the server's own peak (DESIGN §12: 0.8). */
const SHARE = arg('share', 0.8);
/** One server alone (no ratios), e.g. to try V8 flags on Portico's. */
const ONLY = text('only');
/**
 * `off`: the auth process under load runs no flush worker (TOKEN_FLUSH_WORKER=false), as a pod
 * would when another deployment flushes; records then wait in the Redis stream.
 */
const FLUSH_WORKER = text('flush-worker') !== 'off';
/** V8 flags of the auth process only. */
const AUTH_FLAGS = (text('auth-node-options') ?? '').split(' ').filter(Boolean);
const CONNECTIONS = arg('connections', 50);
const tooling = benchTooling();
const ADMIN = 'bench-admin-token-0123456789';

interface Result {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** At a fixed offered load of 80 % of this server's own peak (open loop). */
  fixed: OpenLoopResult;
}

const pin = (cpu: number, args: string[]) => ['-c', String(cpu), process.execPath, ...args];

function startProcess(args: string[], env: NodeJS.ProcessEnv, cpu: number): ChildProcess {
  return spawn('taskset', pin(cpu, args), {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function waitHttp(url: string, init?: RequestInit): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      const res = await fetch(url, init);
      if (res.status < 500) return;
    } catch {
      /* not up yet */
    }
    await sleep(100);
  }
  throw new Error(`${url} never answered`);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** Saturation with autocannon, then an open-loop fixed load at 80 % of the peak it found. */
async function load(name: string, url: string, authorization: string): Promise<Result> {
  const headers = { authorization, 'content-type': 'application/x-www-form-urlencoded' };
  const body = 'grant_type=client_credentials';
  const options = {
    url,
    method: 'POST' as const,
    connections: CONNECTIONS,
    duration: SECONDS,
    headers,
    body,
  };
  await autocannon({ ...options, duration: 2 }); // warm up (JIT, pools, caches)
  const r = await autocannon(options);
  const fixed = await openLoop({
    url,
    headers,
    body,
    rate: Math.round(r.requests.average * SHARE),
    seconds: SECONDS,
    connections: CONNECTIONS,
  });
  return {
    name,
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.non2xx + r.errors + r.timeouts,
    fixed,
  };
}

async function ceiling(): Promise<Result> {
  const [id, secret] = [randomUUID(), randomUUID()];
  const server = fork(
    resolve(__dirname, 'servers/token-ceiling.server.js'),
    ['4101', id, secret, 'http://127.0.0.1:4101'],
    { execPath: 'taskset', execArgv: ['-c', '0', process.execPath] },
  );
  await new Promise((r) => server.once('message', r));
  try {
    return await load(
      'ceiling (Fastify + fast-jwt, no I/O)',
      'http://127.0.0.1:4101/oauth2/token',
      basic(id, secret),
    );
  } finally {
    await stop(server);
  }
}

async function oidcProvider(): Promise<Result> {
  const [id, secret] = ['bench-client', randomUUID()];
  const server = fork(
    resolve(__dirname, 'servers/oidc-provider.server.js'),
    ['4102', id, secret, 'http://127.0.0.1:4102'],
    { execPath: 'taskset', execArgv: ['-c', '0', process.execPath] },
  );
  await new Promise((r) => server.once('message', r));
  try {
    return await load(
      'oidc-provider 9 (ES256 JWT access tokens)',
      'http://127.0.0.1:4102/token',
      basic(id, secret),
    );
  } finally {
    await stop(server);
  }
}

async function portico(): Promise<Result> {
  const prefix = `bench:${randomUUID().slice(0, 8)}:`;
  const env = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    ADMIN_TOKEN: ADMIN,
    PORTICO_KEK: BENCH_KEK,
    REDIS_KEY_PREFIX: prefix,
    ISSUER: 'http://127.0.0.1:4103',
    AUTH_PORT: '4103',
    CLIENT_REGISTRY_PORT: '4104',
    HOST: '127.0.0.1',
    SHUTDOWN_DRAIN_MS: '0',
    RATE_LIMIT_WINDOW: '1',
    TOKEN_FLUSH_WORKER: String(FLUSH_WORKER),
    DATABASE_URL: tooling.database.url,
    REDIS_URL: tooling.redis.url,
  };
  await migrate(tooling.database.url);
  const registry = startProcess(['dist/apps/client-registry/src/main.js'], env, 1);
  const auth = startProcess([...AUTH_FLAGS, 'dist/apps/auth/src/main.js'], env, 0);
  try {
    await waitHttp('http://127.0.0.1:4104/health/ready');
    await waitHttp('http://127.0.0.1:4103/health/ready');
    const res = await fetch('http://127.0.0.1:4104/admin/clients', {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ scopes: ['bench'], rate_limit: 1_000_000 }),
    });
    const { client, client_secret } = (await res.json()) as {
      client: { client_id: string };
      client_secret: string;
    };
    const url = 'http://127.0.0.1:4103/oauth2/token';
    const authorization = basic(client.client_id, client_secret);
    return await load('Portico auth (full path)', url, authorization);
  } finally {
    await stop(auth);
    await stop(registry);
  }
}

function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}

const ms = (v: number) => v.toFixed(1).padStart(6);
const row = (r: Result) =>
  `${r.name.padEnd(44)} ${r.rps.toFixed(0).padStart(7)} req/s  p50 ${String(r.p50).padStart(3)} ms  p99 ${String(r.p99).padStart(3)} ms  errors ${r.errors}` +
  ` | at ${Math.round(r.fixed.achieved)} req/s: p50 ${ms(r.fixed.p50)}  p99 ${ms(r.fixed.p99)}  p99.9 ${ms(r.fixed.p999)} ms  errors ${r.fixed.failures}`;

async function main(): Promise<void> {
  console.log(machineLine());
  console.log(
    `each server pinned to CPU 0 (taskset), load generators on CPU 1; ${CONNECTIONS} connections; ` +
      `saturation: autocannon ${SECONDS} s after a 2 s warm-up; then an open-loop fixed load of 80 % of ` +
      `that server's own peak for ${SECONDS} s (latency from hand-over, waits for a connection included)\n`,
  );
  spawn('taskset', ['-cp', '1', String(process.pid)], { stdio: 'ignore' });
  if (ONLY) {
    const alone = { portico, ceiling, oidc: oidcProvider }[ONLY];
    if (!alone) throw new Error(`--only takes portico, ceiling or oidc, not ${ONLY}`);
    if (AUTH_FLAGS.length > 0) console.log(`auth V8 flags: ${AUTH_FLAGS.join(' ')}`);
    if (!FLUSH_WORKER) console.log('auth runs no flush worker (TOKEN_FLUSH_WORKER=false)');
    console.log(row(await alone()));
    return;
  }
  const ceil = await ceiling();
  console.log(row(ceil));
  const oidc = await oidcProvider();
  console.log(row(oidc));
  const portico_ = await portico();
  console.log(row(portico_));
  console.log("\nratios (DESIGN §12 targets; anchors measured on the design's 2-core box):");
  console.log(
    `  Portico / oidc-provider req/s: ${(portico_.rps / oidc.rps).toFixed(2)}×   (target ≥ 3×; anchor oidc-provider 5.0 k req/s)`,
  );
  console.log(
    `  Portico / ceiling req/s:       ${(portico_.rps / ceil.rps).toFixed(2)}×   (target ≥ 0.85×; anchor ceiling 16.3 k req/s)`,
  );
  console.log(
    `  Portico p99 at 80 % of peak:   ${portico_.fixed.p99.toFixed(1)} ms   (target ≤ 5 ms; oidc-provider p99 at saturation ${oidc.p99} ms)`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
