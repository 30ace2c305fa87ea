import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import getTLSOptions from 'smtp-server/lib/tls-options';
import { waitFor, type MailTestAccount, smtpReplyOf } from '@libs/testing';
import { SmtpSessionHandler } from '../src/ingest/smtp-session.handler';
import { startRelay, type RelayUnderTest } from './relay-harness';

const refused = (port: number) =>
  new Promise<boolean>((done) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      done(false);
    });
    socket.once('error', () => done(true));
  });

describe('mail relay shutdown', () => {
  let relay: RelayUnderTest;
  let busy: MailTestAccount;
  let idle: MailTestAccount;

  beforeAll(async () => {
    relay = await startRelay(({ account }) => {
      busy = account('gmail');
      idle = account('outlook');
      return [busy, idle];
    });
  });

  afterAll(async () => {
    await relay?.fakes.close();
  });

  it('lets a message being relayed finish, closes idle sessions, then stops listening', async () => {
    const idleSender = relay.pooledSender(idle);
    await idleSender.send('idle warm-up');
    relay.fakes.upstreams.gmail.delayMs = 400;
    const sending = smtpReplyOf(relay.send(busy, { subject: 'in flight at shutdown' }));
    const handler = relay.app.get(SmtpSessionHandler);
    await waitFor('message in flight', () => handler.busy.size === 1);

    await relay.app.close();

    expect((await sending).code).toBe(250);
    expect(
      relay.fakes.upstreams.gmail.messages.some((m) => m.raw.includes('in flight at shutdown')),
    ).toBe(true);
    expect(await refused(relay.smtpPort)).toBe(true);
    // The idle session was closed by the relay: the next message needs a new connection, which fails.
    expect((await smtpReplyOf(idleSender.send('after shutdown'))).code).not.toBe(250);
    expect(idleSender.connections()).toBe(2);
    idleSender.close();
  });
});

describe('mail relay dry run and limits', () => {
  let relay: RelayUnderTest;
  let account: MailTestAccount;

  beforeAll(async () => {
    relay = await startRelay(
      (r) => {
        account = r.account('gmail');
        return [account];
      },
      { XOAUTH2_DRY_RUN: 'true', XOAUTH2_MAX_MESSAGE_BYTES: '4096' },
    );
  });

  afterAll(async () => {
    await relay?.close();
  });

  it('accepts without delivering in dry-run mode (the token is still obtained)', async () => {
    const info = await relay.send(account, { subject: 'dry' });
    expect(info.response).toMatch(/^250 2\.0\.0 Dry run: accepted, not delivered/);
    expect(relay.fakes.upstreams.gmail.accepted).toBe(0);
    expect(relay.fakes.tokens.gmail.refreshes(account.email)).toBe(1);
  });

  it('refuses a message above the size limit with 552', async () => {
    const tooBig = await smtpReplyOf(relay.send(account, { subject: 'big '.repeat(2_000) }));
    expect(tooBig.code).toBe(552);
    expect(relay.fakes.upstreams.gmail.accepted).toBe(0);
  });
});

describe('mail relay with STARTTLS required', () => {
  let relay: RelayUnderTest;
  let account: MailTestAccount;
  let dir: string;

  beforeAll(async () => {
    // smtp-server's published test certificate (for localhost): fine for a test, never for use.
    const { key, cert } = getTLSOptions();
    dir = await mkdtemp(join(tmpdir(), 'mail-tls-'));
    await writeFile(join(dir, 'key.pem'), String(key));
    await writeFile(join(dir, 'cert.pem'), String(cert));
    relay = await startRelay(
      (r) => {
        account = r.account('outlook');
        return [account];
      },
      {
        XOAUTH2_TLS_KEY_FILE: join(dir, 'key.pem'),
        XOAUTH2_TLS_CERT_FILE: join(dir, 'cert.pem'),
        XOAUTH2_REQUIRE_TLS: 'true',
      },
    );
  });

  afterAll(async () => {
    await relay?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses AUTH in clear and relays once the session is encrypted', async () => {
    const clear = await smtpReplyOf(relay.send(account));
    expect(clear.code).toBe(538);
    const transport = createTransport({
      host: '127.0.0.1',
      port: relay.smtpPort,
      secure: false,
      requireTLS: true,
      tls: { rejectUnauthorized: false },
      auth: { user: account.email, pass: account.localPassword },
    });
    const info = await transport.sendMail({
      from: account.email,
      to: 'a@example.net',
      subject: 'tls',
      text: 'x',
    });
    transport.close();
    expect(info.response).toMatch(/^250 /);
  });
});
