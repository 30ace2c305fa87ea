import { Client } from 'pg';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FetchLike } from '@libs/sync-client';
import {
  FakeDiscogs,
  fakeItemIds,
  freePort,
  spawnMailRelay,
  startFakeMailProviders,
  TestJwtIssuer,
  testDatabaseUrl,
  waitFor,
  writeAccountsFile,
  type RunningProcess,
} from '@libs/testing';
import {
  clientOf,
  spawnOrchestrator,
  startWatched,
  storedItems,
  syncEnv,
  testUser,
} from '../../apps/sync-orchestrator/test/sync-harness';
import {
  describeTally,
  expectGraceful,
  Load,
  SHUTDOWN_ENV,
  sigtermUnderLoad,
} from './shutdown-under-load';

// The apps that hold long sessions, SIGTERMed mid-session as built processes: a sync driven
// over socket.io, SMTP sessions relaying messages. (Auth, the event consumer and the registry:
// graceful-shutdown.e2e-spec.ts.)
describe('SIGTERM with sessions open', () => {
  let db: Client;
  const processes: RunningProcess[] = [];

  beforeAll(async () => {
    db = new Client({ connectionString: testDatabaseUrl() });
    await db.connect();
  });

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
    await db?.end();
  });

  it('sync-orchestrator: pauses the live session, which another instance resumes to the end', async () => {
    const issuer = await TestJwtIssuer.start();
    const user = testUser(2_000);
    const discogs = await FakeDiscogs.start({ users: [user.discogs], limit: 10, windowMs: 1_000 });
    try {
      const port = await freePort();
      const syncVars = syncEnv(issuer, SHUTDOWN_ENV);
      const first = await spawnOrchestrator(syncVars, port);
      processes.push(first);
      // The user's app holds Discogs' answers once asked to, so requests are in flight when
      // the orchestrator stops; it hands them over after the orchestrator is gone.
      let holding = false;
      const held: (() => void)[] = [];
      const discogsFetch: FetchLike = async (input, init) => {
        const res = await fetch(input, init);
        if (holding) await new Promise<void>((release) => held.push(release));
        return res;
      };
      const client = await clientOf(`http://127.0.0.1:${port}`, issuer, discogs, user, {
        discogsFetch,
      });
      let pages = 0;
      client.on('progress', (p) => (pages = Math.max(pages, p.completedPages)));
      await client.connect();
      const { sessionId, outcome } = await startWatched(client, { syncType: 'collection' });
      await waitFor('three pages synced', () => pages >= 3);
      holding = true;
      const shutdown = await sigtermUnderLoad(first, port, { warm: () => held.length > 0 });
      holding = false;
      console.log(`sync-orchestrator SIGTERM with ${held.length} Discogs requests in flight`);
      held.forEach((release) => release());
      expectGraceful(shutdown);
      const { rows } = await db.query(
        'SELECT status, processed_items FROM sync.discogs_collection_syncs WHERE session_id = $1',
        [sessionId],
      );
      expect(rows[0].status).toBe('paused');
      expect(rows[0].processed_items).toBeLessThan(2_000);

      // The client reconnects to the next instance, which re-sends what was in flight.
      const second = await spawnOrchestrator(syncVars, port);
      processes.push(second);
      const done = await outcome;
      client.close();
      expect(done).toMatchObject({ sessionId, processedItems: 2_000 });
      expect(await storedItems(db, user.userId, 'collection')).toEqual(
        fakeItemIds(user.discogs, 'releases'),
      );
      expect(discogs.count(429)).toBe(0);
      expect(await second.stop('SIGTERM')).toBe(0);
    } finally {
      await Promise.all([discogs.close(), issuer.close()]);
    }
  }, 60_000);

  it('mail-relay: every message answered 250 reached the upstream, and only those', async () => {
    const fakes = await startFakeMailProviders();
    const dir = await mkdtemp(join(tmpdir(), 'sigterm-mail-'));
    try {
      const account = fakes.account('gmail');
      const file = join(dir, 'accounts.json');
      await writeAccountsFile(file, [account]);
      const relay = await spawnMailRelay(fakes, file, SHUTDOWN_ENV);
      processes.push(relay.process);
      await relay.ready();
      // Each delivery takes a moment upstream, so some are in flight when the relay stops.
      fakes.upstreams.gmail.delayMs = 20;
      const accepted: string[] = [];
      // A new SMTP session per message (AUTH, MAIL, RCPT, DATA), as local applications send.
      const load = new Load(4, async (n) => {
        const subject = `sigterm-${n}`;
        const { code, response } = await relay.send(account, { subject });
        if (code === 250) {
          accepted.push(subject);
          return 'ok';
        }
        if (code === undefined) throw new Error(response); // no SMTP reply at all
        return code >= 400 && code < 500 ? 'deferred' : { failed: `${code} ${response}` };
      });
      const outcome = await sigtermUnderLoad(relay.process, relay.httpPort, {
        load,
        warm: () => load.ok >= 10,
      });
      console.log(describeTally('mail-relay', outcome.tally!));
      expectGraceful(outcome);
      const upstream = fakes.upstreams.gmail.messages.map(
        (m) => /^Subject: (sigterm-\d+)/m.exec(m.raw.toString())?.[1],
      );
      expect(upstream.sort()).toEqual(accepted.sort());
    } finally {
      await fakes.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
