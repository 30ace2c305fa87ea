import { type MailTestAccount, smtpReplyOf } from '@libs/testing';
import { startRelay, type RelayUnderTest } from './relay-harness';

describe('mail relay delivery', () => {
  let relay: RelayUnderTest;
  let gmail: MailTestAccount;
  let outlook: MailTestAccount;

  beforeAll(async () => {
    relay = await startRelay(({ account }) => {
      gmail = account('gmail');
      outlook = account('outlook');
      return [gmail, outlook];
    });
  });

  afterAll(async () => {
    await relay?.close();
  });

  it('delivers a message to the provider under the account XOAUTH2 identity', async () => {
    const info = await relay.send(gmail, { subject: 'first gmail' });
    expect(info.response).toMatch(/^250 2\.0\.0 Accepted by gmail/);
    const received = relay.fakes.upstreams.gmail.messages.find((m) =>
      m.raw.includes('first gmail'),
    );
    expect(received).toMatchObject({
      user: gmail.email,
      from: gmail.email,
      to: ['friend@example.net'],
    });

    await relay.send(outlook, { subject: 'first outlook' });
    const viaOutlook = relay.fakes.upstreams.outlook.messages.find((m) =>
      m.raw.includes('first outlook'),
    );
    expect(viaOutlook?.user).toBe(outlook.email);
    expect(relay.fakes.upstreams.gmail.messages.some((m) => m.raw.includes('first outlook'))).toBe(
      false,
    );
  });

  it('refreshes once and retries when the provider rejects an expired token (334)', async () => {
    await relay.send(gmail, { subject: 'warm' });
    const refreshes = relay.fakes.tokens.gmail.refreshes(gmail.email);
    const failures = relay.fakes.upstreams.gmail.authFailures;
    relay.fakes.tokens.gmail.expireTokens(gmail.email);
    relay.fakes.upstreams.gmail.dropConnections();

    const info = await relay.send(gmail, { subject: 'after expiry' });

    expect(info.response).toMatch(/^250 /);
    expect(relay.fakes.upstreams.gmail.messages.some((m) => m.raw.includes('after expiry'))).toBe(
      true,
    );
    expect(relay.fakes.tokens.gmail.refreshes(gmail.email)).toBe(refreshes + 1);
    expect(relay.fakes.upstreams.gmail.authFailures).toBe(failures + 1);
  });

  it('answers a permanent upstream rejection with the matching 5xx', async () => {
    relay.fakes.upstreams.gmail.rejectRecipients.set('nobody@example.net', {
      code: 550,
      text: '5.1.1 no such user',
    });
    const { code, response } = await smtpReplyOf(relay.send(gmail, { to: ['nobody@example.net'] }));
    expect(code).toBe(550);
    expect(response).toMatch(/5\.1\.1 rejected by gmail.*no such user/);
  });

  it('refuses a wrong local password and a foreign envelope sender', async () => {
    expect((await smtpReplyOf(relay.send(gmail, { password: 'wrong-password' }))).code).toBe(535);
    const foreign = await smtpReplyOf(relay.send(gmail, { from: outlook.email }));
    expect(foreign.code).toBe(553);
    expect(foreign.response).toMatch(/not the authenticated account/);
  });

  it('reports readiness with the SMTP listener and exposes relay metrics', async () => {
    const ready = await relay.app.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.json().info?.smtp).toMatchObject({ status: 'up' });
    const metrics = await relay.metrics();
    expect(metrics).toMatch(
      /mail_relay_messages_total\{provider="gmail",outcome="delivered",app="mail-relay"\} [1-9]/,
    );
    expect(metrics).toMatch(
      /mail_relay_token_requests_total\{provider="gmail",result="hit",app="mail-relay"\} [1-9]/,
    );
    expect(metrics).toMatch(
      /mail_relay_breaker_state\{provider="gmail",upstream="smtp",app="mail-relay"\} 0/,
    );
    expect(metrics).toMatch(
      /mail_relay_upstream_connections_opened_total\{provider="gmail",app="mail-relay"\} [1-9]/,
    );
  });
});
