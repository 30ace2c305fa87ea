import { io } from 'socket.io-client';
import { SyncClient, type FetchLike } from '@libs/sync-client';
import type { TestJwtIssuer } from '@libs/testing';

/** Latency samples in ms, reset at the start of the measurement. */
export class Samples {
  private values: number[] = [];

  add(value: number): void {
    this.values.push(value);
  }

  reset(): void {
    this.values = [];
  }

  get count(): number {
    return this.values.length;
  }

  /** The p-th percentile (0–100). */
  percentile(p: number): number {
    if (this.values.length === 0) return NaN;
    const sorted = [...this.values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
  }
}

const json = (body: object) =>
  new Response(JSON.stringify(body), {
    status: 200,
    headers: { 'content-type': 'application/json' },
  });

/**
 * A Discogs stand-in inside each simulated client: a huge collection (so sessions stay busy)
 * of one small item per page, answered at once. No rate headers: pacing is the server's alone.
 */
export function syntheticDiscogs(username: string, pages: number): FetchLike {
  return async (url) => {
    const target = new URL(url);
    if (target.pathname === '/oauth/identity') return json({ id: 1, username });
    const page = Number(target.searchParams.get('page'));
    const instance = page;
    return json({
      pagination: { page, pages, per_page: 100, items: pages },
      releases: [
        {
          id: instance,
          instance_id: instance,
          basic_information: { id: instance, title: `r${page}` },
        },
      ],
    });
  };
}

/** Measurements the simulated clients take. */
export interface ClientProbes {
  /** Server emit → client receipt of each `discogs_api_request`. */
  delivery: Samples;
  /** Client answer → the progress message it causes (the server's handling of an answer). */
  handling: Samples;
  errors: number;
}

/** Connects one simulated user and starts their collection sync. */
export async function startSimulatedUser(
  serverUrl: string,
  issuer: TestJwtIssuer,
  userId: string,
  pages: number,
  probes: ClientProbes,
): Promise<SyncClient> {
  const client = new SyncClient({
    serverUrl,
    accessToken: await issuer.sign(userId, { expiresIn: 24 * 3600 }),
    discogsToken: 'bench-token',
    io,
    discogsFetch: syntheticDiscogs(`bench_${userId.slice(-8)}`, pages),
    transports: ['websocket'],
  });
  let answeredAt = 0;
  client.on('message', (m) => {
    if (m.type === 'discogs_api_request') probes.delivery.add(Date.now() - Date.parse(m.timestamp));
    if (m.type === 'sync_progress' && answeredAt > 0) {
      probes.handling.add(Date.now() - answeredAt);
      answeredAt = 0;
    }
  });
  client.on('response', () => (answeredAt = Date.now()));
  client.on('error', () => (probes.errors += 1));
  await client.connect();
  await client.api.startSync({ syncType: 'collection' });
  return client;
}

/** Connects `count` bare sockets to the anchor server and records delivery latency. */
export async function connectAnchorSockets(url: string, count: number, delivery: Samples) {
  const sockets = [];
  for (let i = 0; i < count; i++) {
    const socket = io(`${url}/sync`, { transports: ['websocket'], forceNew: true });
    socket.on('message', (m: { timestamp: string }) =>
      delivery.add(Date.now() - Date.parse(m.timestamp)),
    );
    sockets.push(socket);
  }
  await Promise.all(
    sockets.map((s) => new Promise<void>((resolve) => s.once('connect', () => resolve()))),
  );
  return sockets;
}
