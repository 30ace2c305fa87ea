// Running Portico apps from dist/ inside a benchmark: start, wait, stop, free ports, migrations.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadToolingConfig } from '@libs/config';
import { ensureDatabase } from '@libs/database';
import { migrationDataSource } from '../../migrations/data-source';

/** dist/ when run by `npm run bench` (benchmarks run as dist/bench/<name>.bench.js). */
const DIST = resolve(__dirname, '../..');

/**
 * The KEK of every benchmark run: keys the apps wrap with it (auth's signing keys, the
 * registry's data keys) stay in the benchmark database, so every run must be able to unwrap them.
 */
export const BENCH_KEK = Buffer.alloc(32, 9).toString('base64');

/**
 * DATABASE_URL and REDIS_URL as configured, but with the database `portico_bench` on the same
 * server: benchmarks leave keys wrapped by BENCH_KEK and rows behind, which must never land in
 * the database `npm start` uses.
 */
export function benchTooling(): ReturnType<typeof loadToolingConfig> {
  const tooling = loadToolingConfig();
  const url = new URL(tooling.database.url);
  url.pathname = '/portico_bench';
  return { ...tooling, database: { ...tooling.database, url: url.toString() } };
}

/** Every app a benchmark started, so its exit handler can kill what is left. */
export const children: ChildProcess[] = [];

/**
 * Starts `app` from dist/. With BENCH_CPU_PROF=<dir> set, each app writes a V8 CPU profile into
 * that directory when it exits (open it in Chrome DevTools), to see where a run's time went.
 */
export function startApp(app: string, env: Record<string, string>): ChildProcess {
  const dir = process.env.BENCH_CPU_PROF;
  const profile = dir ? ['--cpu-prof', `--cpu-prof-dir=${resolve(dir)}`] : [];
  const child = spawn(process.execPath, [...profile, resolve(DIST, `apps/${app}/src/main.js`)], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  return child;
}

export async function waitUntil(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs: number,
  everyMs = 10,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** SIGTERM, then resolves once the process exited. */
export function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGTERM');
  return exited;
}

export function killAll(): void {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
}

export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer().once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

export const ready = (port: number) => async () =>
  (await fetch(`http://127.0.0.1:${port}/health/ready`)).ok;

export async function migrate(databaseUrl: string): Promise<void> {
  await ensureDatabase(databaseUrl);
  const migrations = migrationDataSource(databaseUrl);
  await migrations.initialize();
  await migrations.runMigrations({ transaction: 'each' });
  await migrations.destroy();
}
