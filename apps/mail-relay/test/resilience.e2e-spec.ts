import { CircuitState } from 'cockatiel';
import { waitFor, type MailTestAccount, smtpReplyOf } from '@libs/testing';
import { ProviderBreakers } from '../src/upstream/provider-breakers';
import { startRelay, type RelayUnderTest } from './relay-harness';

describe('mail relay under provider failures', () => {
  let relay: RelayUnderTest;
  let gmail: MailTestAccount[];
  let outlook: MailTestAccount[];

  beforeAll(async () => {
    relay = await startRelay(
      ({ account }) => {
        gmail = Array.from({ length: 5 }, () => account('gmail'));
        outlook = Array.from({ length: 4 }, () => account('outlook'));
        return [...gmail, ...outlook];
      },
      {
        XOAUTH2_BREAKER_FAILURES: '3',
        XOAUTH2_GLOBAL_CONCURRENCY: '2',
        XOAUTH2_TOKEN_TIMEOUT_MS: '1000',
      },
    );
  });

  afterAll(async () => {
    await relay?.close();
  });

  it('answers 4xx while the upstream is down, opens the breaker, then half-opens and closes', async () => {
    const breaker = relay.app.get(ProviderBreakers).get('gmail', 'smtp');
    const states: CircuitState[] = [];
    const listener = breaker.onStateChange((s) => states.push(s));
    await relay.send(gmail[0], { subject: 'before outage' });
    await relay.fakes.upstreams.gmail.stop();

    const during = await smtpReplyOf(relay.send(gmail[0], { subject: 'during outage' }));
    expect(during.code).toBe(451);
    expect(breaker.state).toBe(CircuitState.Open);
    const fast = await smtpReplyOf(relay.send(gmail[1], { subject: 'circuit open' }));
    expect(fast).toEqual({
      code: 451,
      response: expect.stringMatching(/4\.4\.1 gmail is unavailable \(circuit open\)/),
    });
    expect(await relay.metrics()).toMatch(
      /mail_relay_breaker_state\{provider="gmail",upstream="smtp",app="mail-relay"\} 1/,
    );
    expect((await relay.send(outlook[0], { subject: 'outlook meanwhile' })).response).toMatch(
      /^250 /,
    );

    await relay.fakes.upstreams.gmail.resume();
    await waitFor(
      'gmail delivers again',
      async () => (await smtpReplyOf(relay.send(gmail[0]))).code === 250,
    );
    listener.dispose();
    expect(states).toEqual([CircuitState.Open, CircuitState.HalfOpen, CircuitState.Closed]);
    expect(relay.fakes.upstreams.gmail.messages.some((m) => m.raw.includes('during outage'))).toBe(
      false,
    );
  });

  it('keeps serving Outlook accounts at once while the Gmail token endpoint hangs', async () => {
    relay.fakes.tokens.gmail.mode = { hangMs: 2_500 };
    const finished: string[] = [];
    const track = (name: string, account: MailTestAccount) =>
      smtpReplyOf(relay.send(account, { subject: name })).then((r) => {
        finished.push(name);
        return r;
      });
    // Fresh Gmail accounts need a token; the global limit (2) would starve Outlook if they held slots.
    const gmailSends = gmail.slice(2).map((a, i) => track(`gmail-${i}`, a));
    const outlookSends = outlook.map((a, i) => track(`outlook-${i}`, a));

    const outlookResults = await Promise.all(outlookSends);
    expect(outlookResults.map((r) => r.code)).toEqual([250, 250, 250, 250]);
    expect(finished.every((name) => name.startsWith('outlook'))).toBe(true);
    const gmailResults = await Promise.all(gmailSends);
    expect(
      gmailResults.every((r) => r.code === 451 && /4\.7\.0 no access token/.test(r.response)),
    ).toBe(true);
    relay.fakes.tokens.gmail.mode = undefined;
  });

  it('opens the Gmail token breaker on a failing endpoint without touching Outlook', async () => {
    relay.fakes.tokens.gmail.mode = { status: 503 };
    const breakers = relay.app.get(ProviderBreakers);
    await waitFor('gmail token circuit open', async () => {
      await smtpReplyOf(relay.send(gmail[3]));
      return breakers.isOpen('gmail', 'token');
    });
    const refused = await smtpReplyOf(relay.send(gmail[4]));
    expect(refused.response).toMatch(/451 4\.7\.0 .*token endpoint circuit open/);
    expect(breakers.isOpen('outlook', 'token')).toBe(false);
    expect((await relay.send(outlook[1])).response).toMatch(/^250 /);

    relay.fakes.tokens.gmail.mode = undefined;
    await waitFor(
      'gmail tokens again',
      async () => (await smtpReplyOf(relay.send(gmail[4]))).code === 250,
    );
  });
});

describe('mail relay hourly budgets', () => {
  let relay: RelayUnderTest;
  let limited: MailTestAccount;
  let other: MailTestAccount;

  beforeAll(async () => {
    relay = await startRelay(({ account }) => {
      limited = account('gmail', { maxMessagesPerHour: 2 });
      other = account('gmail', { maxMessagesPerHour: 100 });
      return [limited, other];
    });
  });

  afterAll(async () => {
    await relay?.close();
  });

  it('answers 4xx with a clear message past the hourly budget and leaves other accounts alone', async () => {
    await relay.send(limited);
    await relay.send(limited);
    const third = await smtpReplyOf(relay.send(limited, { subject: 'over budget' }));
    expect(third.code).toBe(451);
    expect(third.response).toMatch(
      /4\.7\.1 hourly limit of 2 messages reached for .*; try again in \d+ s/,
    );
    for (let i = 0; i < 3; i++) expect((await relay.send(other)).response).toMatch(/^250 /);
    expect(relay.fakes.upstreams.gmail.messages.some((m) => m.raw.includes('over budget'))).toBe(
      false,
    );
    expect(await relay.metrics()).toMatch(
      /mail_relay_rate_limit_rejections_total\{provider="gmail",limit="hourly",app="mail-relay"\} 1/,
    );
  });
});
