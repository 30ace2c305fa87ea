import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  spawnMailRelay,
  startFakeMailProviders,
  waitFor,
  writeAccountsFile,
  type FakeMailProviders,
  type MailTestAccount,
} from '@libs/testing';

// The relay as a real process: refusing a bad accounts file at boot, and SIGTERM mid-delivery.
describe('mail relay process', () => {
  let fakes: FakeMailProviders;
  let dir: string;

  beforeAll(async () => {
    fakes = await startFakeMailProviders();
    dir = await mkdtemp(join(tmpdir(), 'mail-fault-'));
  });

  afterAll(async () => {
    await fakes?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function accountsFile(content: MailTestAccount[] | string): Promise<string> {
    const file = join(dir, `accounts-${Math.random().toString(36).slice(2)}.json`);
    await writeAccountsFile(file, content);
    return file;
  }

  it('refuses to start on an invalid accounts file, naming the problem but no value', async () => {
    const secret = 'canary-secret-in-a-bad-file';
    const bad = {
      accounts: [{ email: 'x@example.com', provider: 'gmail', client_secret: secret }],
    };
    const relay = await spawnMailRelay(fakes, await accountsFile(JSON.stringify(bad)));
    expect(await relay.process.exited).toBe(1);
    expect(relay.process.output()).toMatch(/invalid accounts file: accounts\.0\.client_id/);
    expect(relay.process.output()).not.toContain(secret);
  });

  it('on SIGTERM finishes the message being relayed, answers 250 and exits 0', async () => {
    const account = fakes.account('gmail');
    const relay = await spawnMailRelay(fakes, await accountsFile([account]), {
      SHUTDOWN_DRAIN_MS: '200',
    });
    try {
      await relay.ready();
      fakes.upstreams.gmail.delayMs = 1_000;
      const sending = relay.send(account, { subject: 'sigterm in flight' });
      await waitFor('message at the upstream', () => fakes.upstreams.gmail.inProgress === 1);
      const exited = relay.process.stop('SIGTERM');
      expect((await sending).code).toBe(250);
      expect(await exited).toBe(0);
      expect(fakes.upstreams.gmail.messages.some((m) => m.raw.includes('sigterm in flight'))).toBe(
        true,
      );
    } finally {
      fakes.upstreams.gmail.delayMs = 0;
      await relay.process.stop('SIGKILL');
    }
  }, 60_000);
});
