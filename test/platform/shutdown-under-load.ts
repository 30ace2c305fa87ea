import { setTimeout as sleep } from 'node:timers/promises';
import { statusOf, waitFor, type RunningProcess } from '@libs/testing';

/**
 * Drain and close bound every app under test runs with; their sum is the grace period. The drain
 * outlasts a readiness probe's 1 s dependency-check limit: a probe already in flight when SIGTERM
 * arrives may still answer 200, and the watcher's next poll must still find the drain (a 500 ms
 * drain was missed once on a loaded CI machine, reading [200, 0]).
 */
export const SHUTDOWN_ENV = { SHUTDOWN_DRAIN_MS: '1500', SHUTDOWN_TIMEOUT_MS: '5000' };
const GRACE_MS = Number(SHUTDOWN_ENV.SHUTDOWN_DRAIN_MS) + Number(SHUTDOWN_ENV.SHUTDOWN_TIMEOUT_MS);
/** Beyond the grace period: the time a process takes to exit once it decided to. */
const EXIT_MARGIN_MS = 1_000;

/** How one request of a load ended when it got an answer. */
export type Answer = 'ok' | 'deferred' | { failed: string };

/** How the requests of a load ended. */
export interface LoadTally {
  /** Answered with success. */
  ok: number;
  /** Answered "try again later" before the work was accepted (SMTP 4xx): the sender retries. */
  deferred: number;
  /** Answered with a failure: accepted and failed (must stay empty). */
  failed: string[];
  /** Never answered, connection refused: the listener was closed. */
  refused: number;
  /** Never answered, connection reset before any answer: never accepted (closed unread). */
  reset: number;
  /** Successes of requests sent after readiness had turned false (served during the drain). */
  okWhileUnready: number;
}

/** How a load's requests ended, in one line for the record. */
export function describeTally(app: string, tally: LoadTally): string {
  return (
    `${app} SIGTERM under load: ${tally.ok} succeeded (${tally.okWhileUnready} while unready), ` +
    `${tally.deferred} deferred, ${tally.failed.length} failed; not accepted: ` +
    `${tally.refused} refused, ${tally.reset} reset`
  );
}

const isRefusal = (error: unknown): boolean =>
  /ECONNREFUSED/.test(
    `${(error as { code?: string }).code} ${(error as { cause?: { code?: string } }).cause?.code} ${(error as Error).message}`,
  );

interface Sent {
  at: number;
  answer: Answer | 'refused' | 'reset';
}

/** `workers` loops each sending one request after the other until stopped. */
export class Load {
  private running = true;
  private readonly started: Sent[] = [];
  private readonly workers: Promise<void>[];

  constructor(workers: number, send: (n: number) => Promise<Answer>) {
    let sequence = 0;
    const loop = async () => {
      while (this.running) {
        const record: Sent = { at: Date.now(), answer: 'reset' };
        this.started.push(record);
        try {
          record.answer = await send(sequence++);
        } catch (error) {
          record.answer = isRefusal(error) ? 'refused' : 'reset';
          await sleep(20);
        }
      }
    };
    this.workers = Array.from({ length: workers }, loop);
  }

  get ok(): number {
    return this.started.filter((r) => r.answer === 'ok').length;
  }

  /** Stops sending; resolves once every request in flight has ended. */
  async stop(unreadySince: number): Promise<LoadTally> {
    this.running = false;
    await Promise.all(this.workers);
    const count = (answer: string) => this.started.filter((r) => r.answer === answer).length;
    return {
      ok: count('ok'),
      deferred: count('deferred'),
      failed: this.started.flatMap((r) => (typeof r.answer === 'object' ? [r.answer.failed] : [])),
      refused: count('refused'),
      reset: count('reset'),
      okWhileUnready: this.started.filter((r) => r.answer === 'ok' && r.at > unreadySince).length,
    };
  }
}

/** Polls `/health/ready` and keeps each change of its answer (0: nothing listens). */
class ReadinessWatch {
  readonly changes: { status: number; at: number }[] = [];
  private running = true;
  private readonly polling: Promise<void>;

  constructor(url: string) {
    this.polling = (async () => {
      while (this.running) {
        const status = await statusOf(url);
        if (this.changes.at(-1)?.status !== status) this.changes.push({ status, at: Date.now() });
        await sleep(20);
      }
    })();
  }

  async stop(): Promise<number[]> {
    this.running = false;
    await this.polling;
    return this.changes.map((c) => c.status);
  }

  /** When readiness was first seen false (Infinity while it was not). */
  get unreadySince(): number {
    return this.changes.find((c) => c.status === 503)?.at ?? Number.POSITIVE_INFINITY;
  }
}

/** What a SIGTERM under load showed. */
export interface ShutdownOutcome {
  /** Exit code; null when the process outlived its grace period and was killed. */
  exitCode: number | null;
  /** Successive answers of the readiness probe, e.g. [200, 503, 0]. */
  readiness: number[];
  /** How the load's requests ended (absent without a request load). */
  tally?: LoadTally;
  output: string;
}

/**
 * Lets `load` (optional) run until `warm()` holds, sends SIGTERM, and waits for the exit (killing
 * the process once its grace period and an exit margin are over), watching readiness on
 * `httpPort` all along. The load runs until the process has exited.
 */
export async function sigtermUnderLoad(
  app: RunningProcess,
  httpPort: number,
  options: { load?: Load; warm: () => Promise<boolean> | boolean },
): Promise<ShutdownOutcome> {
  const watch = new ReadinessWatch(`http://127.0.0.1:${httpPort}/health/ready`);
  await waitFor('load under way', options.warm, 20_000);
  app.child.kill('SIGTERM');
  const killer = setTimeout(() => app.child.kill('SIGKILL'), GRACE_MS + EXIT_MARGIN_MS);
  const exitCode = await app.exited;
  clearTimeout(killer);
  const tally = await options.load?.stop(watch.unreadySince);
  return { exitCode, readiness: await watch.stop(), tally, output: app.output() };
}

/**
 * The promises of a graceful shutdown every app keeps: readiness false first, then the
 * listener closed; exit 0 within the grace period; no answered request failed.
 */
export function expectGraceful(outcome: ShutdownOutcome): void {
  const { exitCode, readiness, tally, output } = outcome;
  expect({ exitCode, output }).toEqual({ exitCode: 0, output: expect.any(String) });
  expect(readiness).toEqual([200, 503, 0]);
  expect(tally?.failed ?? []).toEqual([]);
}
