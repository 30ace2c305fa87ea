import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor, type MailTestAccount, smtpReplyOf } from '@libs/testing';
import { AccountRegistry } from '../src/accounts/account-registry.service';
import { startRelay, type RelayUnderTest } from './relay-harness';

interface Stream {
  readonly account: MailTestAccount;
  readonly accepted: string[];
  readonly refused: { subject: string; code: number | undefined }[];
  readonly sender: ReturnType<RelayUnderTest['pooledSender']>;
  done: Promise<void>;
}

describe('accounts.json hot reload', () => {
  let relay: RelayUnderTest;
  let stay: MailTestAccount[];
  let leaving: MailTestAccount;
  let joining: MailTestAccount;

  beforeAll(async () => {
    relay = await startRelay(({ account }) => {
      stay = [account('gmail'), account('outlook')];
      leaving = account('gmail');
      joining = account('outlook');
      return [...stay, leaving];
    });
  });

  afterAll(async () => {
    await relay?.close();
  });

  /** One local application sending back to back over one pooled connection until told to stop. */
  function stream(account: MailTestAccount, stop: { now: boolean }): Stream {
    const s: Stream = {
      account,
      accepted: [],
      refused: [],
      sender: relay.pooledSender(account),
      done: Promise.resolve(),
    };
    s.done = (async () => {
      // Bounded: a removed account stops after a few refusals.
      for (let i = 0; i < 2_000 && !stop.now && s.refused.length < 3; i++) {
        const subject = `${account.email} #${i}`;
        const { code } = await smtpReplyOf(s.sender.send(subject));
        if (code === 250) s.accepted.push(subject);
        else s.refused.push({ subject, code });
      }
    })();
    return s;
  }

  const delivered = (subject: string) =>
    [...relay.fakes.upstreams.gmail.messages, ...relay.fakes.upstreams.outlook.messages].some((m) =>
      m.raw.includes(`Subject: ${subject}\r\n`),
    );

  it('adds and removes accounts mid-stream without losing a message or dropping a session', async () => {
    const registry = relay.app.get(AccountRegistry);
    const stop = { now: false };
    const streams = [...stay, leaving].map((a) => stream(a, stop));
    await waitFor('traffic', () => streams.every((s) => s.accepted.length >= 3));

    await relay.writeAccounts([...stay, joining]);
    await waitFor(
      'reload applied',
      () => registry.get(joining.email) !== undefined && !registry.get(leaving.email),
    );
    expect((await relay.send(joining, { subject: 'newcomer' })).response).toMatch(/^250 /);
    await sleep(200);
    stop.now = true;
    await Promise.all(streams.map((s) => s.done));

    const [a, b, gone] = streams;
    for (const s of [a, b]) {
      expect(s.refused).toEqual([]);
      expect(s.sender.connections()).toBe(1);
    }
    // The removed account is refused explicitly (never silently), on the same session.
    expect(gone.refused.length).toBeGreaterThan(0);
    expect(gone.refused.every((r) => r.code === 550)).toBe(true);
    expect(gone.sender.connections()).toBe(1);
    for (const s of streams)
      for (const subject of s.accepted) expect(delivered(subject)).toBe(true);
    expect(delivered('newcomer')).toBe(true);
    streams.forEach((s) => s.sender.close());
  });

  it('refuses a broken file, logs it, and keeps the previous accounts', async () => {
    const registry = relay.app.get(AccountRegistry);
    const before = registry.size;
    await relay.writeAccounts('{ "accounts": [ { "email": "broken" ');
    await waitFor('refusal counted', async () =>
      /mail_relay_account_reloads_total\{source="file",result="refused",app="mail-relay"\} 1/.test(
        await relay.metrics(),
      ),
    );
    expect(registry.size).toBe(before);
    expect((await relay.send(stay[0], { subject: 'still served' })).response).toMatch(/^250 /);

    await relay.writeAccounts(
      JSON.stringify({ accounts: [{ email: stay[0].email, provider: 'yahoo' }] }),
    );
    await waitFor('second refusal', async () =>
      /result="refused",app="mail-relay"\} 2/.test(await relay.metrics()),
    );
    expect(registry.get(stay[1].email)).toBeDefined();
  });
});
