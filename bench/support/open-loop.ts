// A fixed offered load: requests go out at the rate whatever happened to the ones before them
// (an open loop, checked every millisecond), and each latency counts from the moment the request
// was handed over, including any wait for a free connection, so time queued behind a slow answer
// is measured rather than hidden ("coordinated omission"). autocannon's rate option sends each
// second's quota in a burst at the start of the second, which measures the burst, not the server;
// node:http's client costs too much CPU to offer several thousand requests per second from one
// core. So this speaks HTTP/1.1 itself: keep-alive sockets, one request in flight on each, a
// request pre-encoded once, responses framed by Content-Length.
import { connect, type Socket } from 'node:net';
import { summarize, type Summary } from './measure';

export interface OpenLoopOptions {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Requests per second offered. */
  rate: number;
  seconds: number;
  /** Keep-alive connections (requests beyond them wait for a free one, and that wait counts). */
  connections: number;
}

export interface OpenLoopResult extends Summary {
  p999: number;
  /** Answers per second actually received. */
  achieved: number;
  /** Answers other than 200, and requests lost with a connection. */
  failures: number;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/** One keep-alive connection with at most one request in flight. */
class Connection {
  private buffered: Buffer = Buffer.alloc(0);
  /** Completes the request in flight, if any. */
  private current: ((status: number) => void) | undefined;
  private dead = false;

  constructor(
    private readonly socket: Socket,
    private readonly onIdle: (c: Connection) => void,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    socket.on('error', () => this.fail());
    socket.on('close', () => this.fail());
  }

  send(request: Buffer, handedOver: number, done: (status: number, latencyMs: number) => void) {
    this.current = (status) => done(status, performance.now() - handedOver);
    this.socket.write(request);
  }

  close(): void {
    this.socket.destroy();
  }

  private read(chunk: Buffer): void {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    const end = this.buffered.indexOf(HEADER_END);
    if (end < 0) return;
    const head = this.buffered.toString('latin1', 0, end);
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (!length) throw new Error('open-loop: responses must carry Content-Length');
    const total = end + HEADER_END.length + Number(length[1]);
    if (this.buffered.length < total) return;
    this.buffered = this.buffered.subarray(total);
    const status = Number(head.slice(9, 12));
    this.finish(status);
  }

  private finish(status: number): void {
    const current = this.current;
    this.current = undefined;
    current?.(status);
    if (!this.dead) this.onIdle(this);
  }

  private fail(): void {
    this.dead = true;
    if (this.current) this.finish(0);
  }
}

function encode(options: OpenLoopOptions, url: URL): Buffer {
  const body = Buffer.from(options.body ?? '');
  const headers = {
    host: url.host,
    connection: 'keep-alive',
    'content-length': String(body.length),
    ...options.headers,
  };
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`);
  const head = `${options.method ?? 'POST'} ${url.pathname}${url.search} HTTP/1.1\r\n${lines.join('')}\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

export async function openLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const url = new URL(options.url);
  const request = encode(options, url);
  const total = Math.round(options.rate * options.seconds);
  const latencies: number[] = [];
  const waiting: number[] = []; // hand-over times of requests waiting for a free connection
  const idle: Connection[] = [];
  let failures = 0;
  let answered = 0;

  const dispatch = (connection: Connection, handedOver: number) =>
    connection.send(request, handedOver, (status, latencyMs) => {
      answered += 1;
      if (status === 200) latencies.push(latencyMs);
      else failures += 1;
    });
  const onIdle = (connection: Connection) => {
    const next = waiting.shift();
    if (next === undefined) idle.push(connection);
    else dispatch(connection, next);
  };
  const connections = await Promise.all(
    Array.from(
      { length: options.connections },
      () =>
        new Promise<Connection>((resolve, reject) => {
          const socket = connect(Number(url.port), url.hostname);
          socket.once('error', reject);
          socket.once('connect', () => resolve(new Connection(socket, onIdle)));
        }),
    ),
  );
  idle.push(...connections);

  const started = performance.now();
  let sent = 0;
  while (sent < total) {
    const now = performance.now();
    const due = Math.min(total, Math.floor(((now - started) / 1000) * options.rate));
    for (; sent < due; sent++) {
      const connection = idle.pop();
      if (connection) dispatch(connection, now);
      else waiting.push(now);
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  const deadline = performance.now() + 30_000;
  while (answered < total && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1));
  }
  failures += total - answered;
  const elapsed = (performance.now() - started) / 1000;
  for (const connection of connections) connection.close();
  const sorted = latencies.sort((a, b) => a - b);
  return {
    ...summarize(sorted),
    p999: sorted[Math.min(sorted.length - 1, Math.floor(0.999 * sorted.length))] ?? 0,
    achieved: answered / elapsed,
    failures,
  };
}
