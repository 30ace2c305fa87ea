// npm run bench -- provider-clients [--ms=N] [--rounds=N] [--users=N]
//
// A cached provider client lookup (ProviderClientManager.get, awaited) beside lru-cache get
// (plain and awaited), and a signed Bricklink Authorization header (OAuth 1.0a HMAC-SHA1) beside
// one raw node:crypto HMAC-SHA1 of a base string of the same size, all in this run.
import { createHmac, randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { Logger } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import {
  BricklinkClient,
  ProviderClientManager,
  type ProviderCredentials,
} from '@libs/provider-clients';

const { values: args } = parseArgs({
  options: {
    ms: { type: 'string', default: '1000' }, // time per candidate per round
    rounds: { type: 'string', default: '5' },
    users: { type: 'string', default: '100' }, // cached clients (the default cache size)
  },
});
const int = (name: keyof typeof args) => Math.max(1, Math.floor(Number(args[name])));
const MS = int('ms');
const ROUNDS = int('rounds');
const USERS = int('users');

// As in production (info), the "using cached" debug line is formatted, then dropped.
Logger.overrideLogger(['error', 'warn']);

type Batch = (n: number) => unknown;

interface Candidate {
  name: string;
  unit: 'ns' | 'µs';
  batch: Batch;
}

/** Runs batches of `n` until `ms` have passed; answers ns per operation. */
async function time(batch: Batch, ms: number): Promise<number> {
  let n = 1_000;
  let ops = 0;
  let elapsed = 0n;
  const budget = BigInt(ms) * 1_000_000n;
  while (elapsed < budget) {
    const start = process.hrtime.bigint();
    await batch(n);
    const took = process.hrtime.bigint() - start;
    elapsed += took;
    ops += n;
    if (took < 20_000_000n) n *= 2; // batches of ≥ 20 ms keep timer overhead negligible
  }
  return Number(elapsed) / ops;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function lookupCandidates(): { candidates: Candidate[]; manager: ProviderClientManager } {
  const users = Array.from({ length: USERS }, (_, i) => `user-${i}`);
  const credentials = (userId: string): Promise<ProviderCredentials> =>
    Promise.resolve({ provider: 'discogs', token: `token-${userId}` });
  const manager = new ProviderClientManager({
    loadCredentials: credentials,
    maxClients: USERS,
    sweepIntervalMs: 0,
  });
  const lru = new LRUCache<string, object>({ max: USERS, ttl: 30 * 60_000 });
  users.forEach((u) => lru.set(`discogs:${u}`, { u }));
  const keys = users.map((u) => `discogs:${u}`);
  const candidates: Candidate[] = [
    {
      name: 'lru-cache get (anchor)',
      unit: 'ns',
      batch: (n) => {
        let found = 0;
        for (let i = 0; i < n; i++) if (lru.get(keys[i % USERS]) !== undefined) found++;
        return found;
      },
    },
    {
      name: 'await lru-cache get (anchor)',
      unit: 'ns',
      batch: async (n) => {
        let found = 0;
        for (let i = 0; i < n; i++) if ((await lru.get(keys[i % USERS])) !== undefined) found++;
        return found;
      },
    },
    {
      name: 'ProviderClientManager.get (cached)',
      unit: 'ns',
      batch: async (n) => {
        let found = 0;
        for (let i = 0; i < n; i++) if (await manager.get(users[i % USERS], 'discogs')) found++;
        return found;
      },
    },
  ];
  return { candidates, manager };
}

function signingCandidates(): Candidate[] {
  const bricklink = new BricklinkClient({
    provider: 'bricklink',
    consumerKey: randomBytes(16).toString('hex').toUpperCase(),
    consumerSecret: randomBytes(16).toString('hex').toUpperCase(),
    tokenValue: randomBytes(16).toString('hex').toUpperCase(),
    tokenSecret: randomBytes(16).toString('hex').toUpperCase(),
  });
  const url = 'https://api.bricklink.com/api/store/v1/orders?direction=in&status=PENDING,COMPLETED';
  const baseString = bricklinkSizedBaseString(bricklink, url);
  const key = `${randomBytes(16).toString('hex')}&${randomBytes(16).toString('hex')}`;
  return [
    {
      name: 'node:crypto HMAC-SHA1 (anchor)',
      unit: 'µs',
      batch: (n) => {
        let length = 0;
        for (let i = 0; i < n; i++) {
          length += createHmac('sha1', key).update(baseString).digest('base64').length;
        }
        return length;
      },
    },
    {
      name: 'Bricklink Authorization header',
      unit: 'µs',
      batch: (n) => {
        let length = 0;
        for (let i = 0; i < n; i++) length += bricklink.authorization('GET', url).length;
        return length;
      },
    },
  ];
}

/** A string as long as the signature base string of `url` (so the anchor hashes as much). */
function bricklinkSizedBaseString(client: BricklinkClient, url: string): string {
  const header = client.authorization('GET', url);
  return 'x'.repeat(header.length + url.length);
}

/** Each candidate's median, and its ratio to every anchor listed before it. */
function report(title: string, candidates: Candidate[], results: number[][]): void {
  const medians = results.map(median);
  console.log(`\n${title}: median of ${ROUNDS} rounds x ${MS} ms per candidate`);
  candidates.forEach((c, i) => {
    const value = c.unit === 'µs' ? medians[i] / 1000 : medians[i];
    const ratios = candidates
      .slice(0, i)
      .map((anchor, j) => ({ anchor, j }))
      .filter(({ anchor }) => anchor.name.endsWith('(anchor)'))
      .map(
        ({ anchor, j }) =>
          `${(medians[i] / medians[j]).toFixed(2)}x ${anchor.name.replace(' (anchor)', '')}`,
      );
    const figure = value.toFixed(c.unit === 'µs' ? 2 : 1).padStart(10);
    console.log(`  ${c.name.padEnd(38)}${figure} ${c.unit}/op  ${ratios.join(', ')}`.trimEnd());
  });
}

async function run(title: string, candidates: Candidate[]): Promise<void> {
  for (const c of candidates) await time(c.batch, Math.min(MS, 200)); // warm-up
  const results: number[][] = candidates.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    // Interleaved, so drift in machine load touches every candidate alike.
    for (const [i, c] of candidates.entries()) results[i].push(await time(c.batch, MS));
  }
  report(title, candidates, results);
}

async function main(): Promise<void> {
  const cpu = cpus();
  console.log(
    `machine: ${cpu[0]?.model ?? 'unknown cpu'}, ${cpu.length} cores, node ${process.version}`,
  );
  const { candidates, manager } = lookupCandidates();
  for (let i = 0; i < USERS; i++) await manager.get(`user-${i}`, 'discogs');
  await run(`Cached client lookup (${USERS} users)`, candidates);
  const { hits, misses, cached_clients } = manager.stats;
  console.log(`  manager: ${cached_clients} cached, ${hits} hits, ${misses} misses`);
  manager.close();
  await run('Signed Bricklink request header', signingCandidates());
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
