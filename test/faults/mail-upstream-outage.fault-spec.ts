import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  spawnMailRelay,
  startFakeMailProviders,
  statusOf,
  waitFor,
  writeAccountsFile,
  type FakeMailProviders,
  type MailRelayProcess,
  type MailTestAccount,
} from '@libs/testing';

const breakerState = (provider: string, upstream: string, state: number) =>
  new RegExp(
    `mail_relay_breaker_state\\{provider="${provider}",upstream="${upstream}",app="mail-relay"\\} ${state}`,
  );

// A real relay process while Gmail's SMTP server and then its token endpoint go away and return.
describe('mail relay during provider outages', () => {
  let fakes: FakeMailProviders;
  let dir: string;
  let relay: MailRelayProcess;
  let gmail: MailTestAccount;
  let fresh: MailTestAccount;
  let outlook: MailTestAccount;

  beforeAll(async () => {
    fakes = await startFakeMailProviders();
    dir = await mkdtemp(join(tmpdir(), 'mail-outage-'));
    [gmail, fresh, outlook] = [
      fakes.account('gmail'),
      fakes.account('gmail'),
      fakes.account('outlook'),
    ];
    await writeAccountsFile(join(dir, 'accounts.json'), [gmail, fresh, outlook]);
    relay = await spawnMailRelay(fakes, join(dir, 'accounts.json'), {
      XOAUTH2_BREAKER_FAILURES: '2',
      XOAUTH2_BREAKER_HALF_OPEN_MS: '500',
      XOAUTH2_RETRY_BASE_MS: '20',
    });
    await relay.ready();
  }, 60_000);

  afterAll(async () => {
    await relay?.process.stop('SIGKILL');
    await fakes?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('defers with 4xx while Gmail SMTP is down, stays live and ready, and delivers once it is back', async () => {
    expect((await relay.send(gmail, { subject: 'before' })).code).toBe(250);
    await fakes.upstreams.gmail.stop();
    expect((await relay.send(gmail, { subject: 'while down' })).code).toBe(451);
    expect(await relay.metrics()).toMatch(breakerState('gmail', 'smtp', 1));
    expect((await relay.send(outlook, { subject: 'outlook while gmail is down' })).code).toBe(250);
    expect(await statusOf(`http://127.0.0.1:${relay.httpPort}/health/ready`)).toBe(200);

    await fakes.upstreams.gmail.resume();
    await waitFor(
      'gmail back',
      async () => (await relay.send(gmail, { subject: 'after' })).code === 250,
      15_000,
    );
    expect(await relay.metrics()).toMatch(breakerState('gmail', 'smtp', 0));
    expect(fakes.upstreams.gmail.messages.some((m) => m.raw.includes('while down'))).toBe(false);
  }, 30_000);

  it('defers accounts that need a token while the Gmail token endpoint is down; cached tokens keep working', async () => {
    fakes.tokens.gmail.mode = { status: 503 };
    const needsToken = await relay.send(fresh, { subject: 'needs a token' });
    expect(needsToken.code).toBe(451);
    expect(needsToken.response).toMatch(/4\.7\.0 no access token/);
    expect((await relay.send(gmail, { subject: 'cached token' })).code).toBe(250);
    fakes.tokens.gmail.mode = undefined;
    await waitFor('tokens back', async () => (await relay.send(fresh)).code === 250, 15_000);
  }, 30_000);
});
