import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { processEnv, type Env } from '../../config/src';

/** The repository root, from the source tree or from its compiled copy under dist/. */
export const REPO_ROOT = ((dir: string) => {
  const fromSource = resolve(dir, '../../..');
  return fromSource.endsWith('/dist') ? resolve(fromSource, '..') : fromSource;
})(__dirname);

/** A TCP port that was free a moment ago (the OS picks it). */
export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

/** Polls `probe` until it returns true; fails with `what` after `timeoutMs`. */
export async function waitFor(
  what: string,
  probe: () => Promise<boolean> | boolean,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await probe()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** HTTP status of a GET, or 0 when nothing answers. */
export async function statusOf(url: string): Promise<number> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

export interface RunningProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  /** Sends `signal` and resolves with the exit code (null when killed by a signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Spawns `node [nodeFlags] <script> [args]` from the repository root with `env` (plus PATH) and
 * captures output. `script` is relative to the repository root, or absolute.
 */
export function spawnNode(
  script: string,
  env: Env,
  args: string[] = [],
  nodeFlags: string[] = [],
): RunningProcess {
  const child = spawn(process.execPath, [...nodeFlags, resolve(REPO_ROOT, script), ...args], {
    cwd: REPO_ROOT,
    env: { PATH: processEnv().PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return {
    child,
    output: () => output,
    exited,
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Starts a built app (`dist/apps/<app>/src/main.js`) as a real process. */
export function spawnApp(app: string, env: Env): RunningProcess {
  return spawnNode(`dist/apps/${app}/src/main.js`, env);
}

/**
 * Starts a built app and waits until `GET /health/ready` on `httpPort` answers 200 (`env` sets
 * the app's port variable to it); fails with the app's output when it does not come.
 */
export async function spawnReadyApp(
  app: string,
  env: Env,
  httpPort: number,
  timeoutMs = 30_000,
): Promise<RunningProcess> {
  const running = spawnApp(app, env);
  const url = `http://127.0.0.1:${httpPort}/health/ready`;
  try {
    await waitFor(`${app} ready`, async () => (await statusOf(url)) === 200, timeoutMs);
  } catch (error) {
    await running.stop('SIGKILL');
    throw new Error(`${(error as Error).message}\n${running.output()}`, { cause: error });
  }
  return running;
}
