// npm run bench -- mail [--accounts=N] [--concurrency=N] [--seconds=N] [--rate=N]
//                       [--max-messages=N] [--relay-node-options="<v8 flags>"]
//                       [--heap-growth=<percent>] [--relay-env="NAME=value …"]
//
// Local applications (pooled nodemailer senders, one session per account) send to the relay
// (a real process) across every account; the relay delivers with XOAUTH2 to a local upstream
// that verifies each token against the fake token endpoints. Anchor, in the same run: the same
// senders straight to the upstream, no relay. Phases: anchor at saturation, relay at a fixed
// offered load (--rate), relay at saturation. RSS is the relay process's own (/proc/<pid>),
// never the senders' (they run in this process). Figures go to docs/benchmarks.md.
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { processEnv } from '@libs/config';
import {
  freePort,
  mailProviderEnv,
  startFakeMailProviders,
  statusOf,
  uniquePrefix,
  waitFor,
  writeAccountsFile,
  type MailTestAccount,
} from '@libs/testing';
import {
  metricSum,
  percentile,
  pooledSender,
  rssMb,
  run,
  runAtRate,
  spawnRelay,
  type RunResult,
  type Sender,
} from './mail-senders';
import { benchTooling } from './support/processes';

// Compiled to dist/bench: the launch table lives in the repository's scripts/.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { LAUNCH_ENV_BY_APP } = require(join(__dirname, '../../scripts/launch-env')) as {
  LAUNCH_ENV_BY_APP: Record<string, Record<string, string>>;
};
const { NODE_OPTIONS: SHIPPED_FLAGS, ...SHIPPED_ENV } = LAUNCH_ENV_BY_APP['mail-relay'];

const { values: args } = parseArgs({
  options: {
    accounts: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '64' },
    seconds: { type: 'string', default: '10' },
    rate: { type: 'string', default: '1000' },
    'max-messages': { type: 'string', default: '500000' },
    /** V8 flags of the relay process only; by default the ones it is shipped with. */
    'relay-node-options': { type: 'string', default: SHIPPED_FLAGS },
    /** Other launch variables of the relay (malloc tuning); by default the shipped ones. */
    'relay-env': {
      type: 'string',
      default: Object.entries(SHIPPED_ENV)
        .map(([name, value]) => `${name}=${value}`)
        .join(' '),
    },
    /** XOAUTH2_HEAP_GROWTH_PERCENT of the relay; by default its own default (0: V8's). */
    'heap-growth': { type: 'string' },
  },
});
const int = (name: keyof typeof args) => Math.max(1, Math.floor(Number(args[name])));
const ACCOUNTS = int('accounts');
const LOAD = {
  concurrency: int('concurrency'),
  seconds: int('seconds'),
  maxMessages: int('max-messages'),
};
const RATE = int('rate');
const RELAY_ENV = Object.fromEntries(
  args['relay-env']
    .split(' ')
    .filter(Boolean)
    .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
);
const tooling = benchTooling();

async function fakes() {
  const providers = await startFakeMailProviders({ keepMessages: false });
  const accounts: MailTestAccount[] = Array.from({ length: ACCOUNTS }, (_, i) =>
    providers.account(i % 2 === 0 ? 'gmail' : 'outlook'),
  );
  return { ...providers, accounts };
}

type Fakes = Awaited<ReturnType<typeof fakes>>;

async function tokenOf(f: Fakes, a: MailTestAccount): Promise<string> {
  const body = new URLSearchParams({
    grant_type: 'refresh_token',
    refresh_token: a.refreshToken,
    client_id: a.clientId,
    client_secret: a.clientSecret,
  });
  const res = await fetch(f.tokens[a.provider].url, { method: 'POST', body });
  return ((await res.json()) as { access_token: string }).access_token;
}

/** Anchor: each account's sender authenticates with XOAUTH2 straight at its provider's upstream. */
async function direct(f: Fakes): Promise<RunResult> {
  const senders: Sender[] = [];
  for (const a of f.accounts) {
    const accessToken = await tokenOf(f, a);
    senders.push(
      pooledSender(f.upstreams[a.provider].port, { type: 'OAuth2', user: a.email, accessToken }),
    );
  }
  await run(senders, f.accounts, { ...LOAD, seconds: 60, maxMessages: f.accounts.length });
  const result = await run(senders, f.accounts, LOAD);
  senders.forEach((s) => s.close());
  return result;
}

async function startRelay(
  f: Fakes,
  dir: string,
  accounts: readonly MailTestAccount[] = f.accounts,
) {
  const file = join(dir, `accounts-${accounts.length}.json`);
  await writeAccountsFile(file, accounts);
  const [smtpPort, httpPort] = [await freePort(), await freePort()];
  const relay = spawnRelay(
    {
      PATH: processEnv().PATH,
      NODE_ENV: 'production',
      REDIS_URL: tooling.redis.url,
      REDIS_KEY_PREFIX: uniquePrefix('mail-bench'),
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      MAIL_RELAY_PORT: String(httpPort),
      XOAUTH2_PORT: String(smtpPort),
      XOAUTH2_ACCOUNTS_FILE: file,
      // Accounts from the file only: the benchmark runs no registry.
      XOAUTH2_REGISTRY_REFRESH_MS: '0',
      SHUTDOWN_DRAIN_MS: '0',
      ...(args['heap-growth'] === undefined
        ? {}
        : { XOAUTH2_HEAP_GROWTH_PERCENT: args['heap-growth'] }),
      ...RELAY_ENV,
      ...mailProviderEnv(f),
    },
    args['relay-node-options'].split(' ').filter(Boolean),
  );
  const live = async () => (await statusOf(`http://127.0.0.1:${httpPort}/health/live`)) === 200;
  await waitFor('relay live', live, 30_000).catch((error: unknown) => {
    console.error(relay.output());
    throw error;
  });
  const metrics = () => fetch(`http://127.0.0.1:${httpPort}/metrics`).then((r) => r.text());
  return { relay, smtpPort, metrics };
}

/** Runs `phase` while sampling the relay's RSS; returns the result and the peak in MB. */
async function sampled<T>(
  pid: number,
  phase: () => Promise<T>,
): Promise<{ result: T; peakRss: number }> {
  let peakRss = rssMb(pid);
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMb(pid))), 200);
  try {
    return { result: await phase(), peakRss };
  } finally {
    clearInterval(sampler);
  }
}

/** Memory anchor: the same relay process idle with no account at all (the platform's own RSS). */
async function emptyRelayRss(f: Fakes, dir: string): Promise<number> {
  const { relay } = await startRelay(f, dir, []);
  await new Promise((r) => setTimeout(r, 2_000));
  const rss = rssMb(relay.child.pid!);
  await relay.stop('SIGTERM');
  return rss;
}

async function viaRelay(f: Fakes, dir: string) {
  const { relay, smtpPort, metrics } = await startRelay(f, dir);
  const pid = relay.child.pid!;
  await new Promise((r) => setTimeout(r, 2_000));
  const idleRss = rssMb(pid);
  const senders = f.accounts.map((a) =>
    pooledSender(smtpPort, { user: a.email, pass: a.localPassword }),
  );
  // Warm-up: every account once (first token, first upstream connection), not measured.
  await run(senders, f.accounts, { ...LOAD, seconds: 60, maxMessages: f.accounts.length });
  // The fixed load first: its peak RSS must not be what saturation left behind (V8 returns
  // memory to the system lazily).
  const paced = await sampled(pid, () =>
    runAtRate(senders, f.accounts, { rate: RATE, seconds: LOAD.seconds }),
  );
  const before = await metrics();
  const saturated = await sampled(pid, () => run(senders, f.accounts, LOAD));
  const after = await metrics();
  senders.forEach((s) => s.close());
  await relay.stop('SIGTERM');
  return { idleRss, saturated, paced, before, after };
}

function line(name: string, r: RunResult, rss?: number): string {
  const rate = (r.sent / r.seconds).toFixed(0).padStart(6);
  const [p50, p95, p99] = [50, 95, 99].map((p) =>
    percentile(r.latenciesMs, p).toFixed(1).padStart(6),
  );
  const memory = rss === undefined ? '' : `   peak RSS ${rss.toFixed(0)} MB`;
  return `${name.padEnd(26)}${rate} msg/s   p50 ${p50}   p95 ${p95}   p99 ${p99} ms   ${r.failed} failed${memory}`;
}

function report(
  anchor: RunResult,
  emptyRss: number,
  relayed: Awaited<ReturnType<typeof viaRelay>>,
): void {
  const { saturated, paced } = relayed;
  // Counters over the saturated phase only (the warm-up fetched every first token).
  const delta = (name: string, labels: Record<string, string> = {}) =>
    metricSum(relayed.after, name, labels) - metricSum(relayed.before, name, labels);
  const [hits, misses] = [
    delta('mail_relay_token_requests_total', { result: 'hit' }),
    delta('mail_relay_token_requests_total', { result: 'miss' }),
  ];
  const [opened, handed] = [
    delta('mail_relay_upstream_connections_opened_total'),
    delta('mail_relay_upstream_messages_total'),
  ];
  const rate = (r: RunResult) => r.sent / r.seconds;
  console.log(line('anchor: direct, saturated', anchor));
  console.log(line(`relay, offered ${RATE} msg/s`, paced.result, paced.peakRss));
  console.log(line('relay, saturated', saturated.result, saturated.peakRss));
  console.log(
    `\nrelay / anchor throughput (saturated)   ${(rate(saturated.result) / rate(anchor)).toFixed(2)}`,
  );
  console.log(
    `relay RSS idle after boot: no account ${emptyRss.toFixed(0)} MB, ${ACCOUNTS} accounts ${relayed.idleRss.toFixed(0)} MB`,
  );
  console.log(
    `token cache hit rate                    ${((100 * hits) / Math.max(1, hits + misses)).toFixed(2)} % (${misses} misses)`,
  );
  const reuse = handed === 0 ? 0 : (100 * (handed - opened)) / handed;
  console.log(
    `upstream connection reuse               ${reuse.toFixed(2)} % of messages on an open connection (${opened} opened, ${handed} messages)`,
  );
  console.log('targets (DESIGN §12): ≥ 1 000 msg/s, p95 ≤ 50 ms, ≤ 200 MB RSS for 1 000 accounts');
}

async function main(): Promise<void> {
  console.log(
    `mail relay benchmark — ${cpus()[0]?.model ?? 'cpu?'}, ${cpus().length} cores, node ${process.version}`,
  );
  console.log(
    `${ACCOUNTS} accounts, ${LOAD.concurrency} concurrent senders, ${LOAD.seconds} s per phase, ` +
      `relay V8 flags: ${args['relay-node-options'] || 'none'}, ` +
      `XOAUTH2_HEAP_GROWTH_PERCENT: ${args['heap-growth'] ?? 'default'}, ` +
      `relay launch variables: ${args['relay-env'] || 'none'}\n`,
  );
  const f = await fakes();
  const dir = await mkdtemp(join(tmpdir(), 'mail-bench-'));
  try {
    const anchor = await direct(f);
    const emptyRss = await emptyRelayRss(f, dir);
    report(anchor, emptyRss, await viaRelay(f, dir));
  } finally {
    await f.close();
    await rm(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
