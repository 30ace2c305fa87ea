// Helpers of the mail benchmark: the fake providers, the senders, and the figures.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createTransport, type SMTPPoolOptions } from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';
import type { Env } from '@libs/config';
import { spawnNode, type MailTestAccount, type RunningProcess } from '@libs/testing';

export type Sender = Mail;

/** A ~1 KB message as a local application would hand it over. */
export function rawMessage(from: string, seq: number): Buffer {
  const body = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(14);
  return Buffer.from(
    `From: <${from}>\r\nTo: <friend@example.net>\r\nSubject: bench ${seq}\r\n` +
      `Message-ID: <${seq}.${from}>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n${body}\r\n`,
  );
}

/** One pooled connection per account, as each local application keeps its own session. */
export function pooledSender(port: number, auth: SMTPPoolOptions['auth']): Sender {
  const options: SMTPPoolOptions & { pool: true } = {
    pool: true,
    host: '127.0.0.1',
    port,
    secure: false,
    ignoreTLS: true,
    maxConnections: 1,
    maxMessages: Infinity,
    auth,
  };
  return createTransport(options);
}

export interface RunResult {
  readonly sent: number;
  readonly failed: number;
  readonly seconds: number;
  readonly latenciesMs: Float64Array;
}

/**
 * `concurrency` loops send back to back, each message from the next account in turn, until
 * `seconds` elapse or `maxMessages` were sent.
 */
export async function run(
  senders: readonly Sender[],
  accounts: readonly MailTestAccount[],
  options: { concurrency: number; seconds: number; maxMessages: number },
): Promise<RunResult> {
  const latencies = new Float64Array(options.maxMessages);
  let next = 0;
  let sent = 0;
  let failed = 0;
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  const loop = async () => {
    while (performance.now() < deadline && next < options.maxMessages) {
      const seq = next++;
      const i = seq % accounts.length;
      const from = accounts[i].email;
      const t0 = performance.now();
      try {
        await senders[i].sendMail({
          envelope: { from, to: ['friend@example.net'] },
          raw: rawMessage(from, seq),
        });
        latencies[sent++] = performance.now() - t0;
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, loop));
  const seconds = (performance.now() - started) / 1000;
  return { sent, failed, seconds, latenciesMs: latencies.slice(0, sent).sort() };
}

/**
 * Open loop at `rate` messages per second (as independent applications would send): each
 * message starts on its schedule whatever the others do, and its latency counts from the
 * scheduled time, so a stalled relay cannot hide its queueing.
 */
export async function runAtRate(
  senders: readonly Sender[],
  accounts: readonly MailTestAccount[],
  options: { rate: number; seconds: number },
): Promise<RunResult> {
  const total = Math.floor(options.rate * options.seconds);
  const latencies: number[] = [];
  let failed = 0;
  const started = performance.now();
  const pending: Promise<void>[] = [];
  for (let seq = 0; seq < total; seq++) {
    const due = started + (seq * 1000) / options.rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const i = seq % accounts.length;
    const from = accounts[i].email;
    const message = { envelope: { from, to: ['friend@example.net'] }, raw: rawMessage(from, seq) };
    pending.push(
      senders[i].sendMail(message).then(
        () => void latencies.push(performance.now() - due),
        () => void failed++,
      ),
    );
  }
  await Promise.all(pending);
  const seconds = (performance.now() - started) / 1000;
  return {
    sent: latencies.length,
    failed,
    seconds,
    latenciesMs: Float64Array.from(latencies).sort(),
  };
}

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Resident set size of a process (Linux /proc), in MB. */
export function rssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
    return kb / 1024;
  } catch {
    return Number.NaN;
  }
}

/** Sum of a Prometheus counter's samples whose labels match. */
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** Starts the built relay (dist/, next to this compiled file) and keeps its output. */
export function spawnRelay(env: Env, nodeFlags: string[] = []): RunningProcess {
  return spawnNode(resolve(__dirname, '../apps/mail-relay/src/main.js'), env, [], nodeFlags);
}
