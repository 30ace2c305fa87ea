import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTransport, type SMTPPoolOptions } from 'nodemailer';
import { loadMailRelayConfig, type Env, type MailProvider } from '@libs/config';
import { createHttpApp } from '@libs/platform';
import {
  mailProviderEnv,
  sendAsApp,
  startFakeMailProviders,
  testEnv,
  writeAccountsFile,
  type FakeMailProviders,
  type MailTestAccount,
  type TestMailOptions,
} from '@libs/testing';
import { AppModule } from '../src/app.module';
import { SmtpIngestServer } from '../src/ingest/smtp-ingest.server';

/** A booted relay (in this process) with its fakes, accounts file and helpers to send. */
export interface RelayUnderTest {
  readonly app: NestFastifyApplication;
  readonly fakes: FakeMailProviders;
  readonly smtpPort: number;
  readonly accountsFile: string;
  /** A new account registered with its provider's fake token endpoint (not yet in the file). */
  account(provider: MailProvider, options?: { maxMessagesPerHour?: number }): MailTestAccount;
  writeAccounts(accounts: readonly MailTestAccount[] | string): Promise<void>;
  /** Sends one message as a local application would (a new connection). */
  send(account: MailTestAccount, options?: TestMailOptions): Promise<{ response: string }>;
  /** A pooled sender for one account (one connection reused), counting the connections it opened. */
  pooledSender(account: MailTestAccount): {
    send(subject: string): Promise<{ response: string }>;
    connections(): number;
    close(): void;
  };
  metrics(): Promise<string>;
  close(): Promise<void>;
}

const GENEROUS = {
  XOAUTH2_RETRY_BASE_MS: '20',
  XOAUTH2_RETRY_MAX_MS: '100',
  XOAUTH2_BREAKER_HALF_OPEN_MS: '300',
};

export async function startRelay(
  accounts: (relay: Pick<RelayUnderTest, 'account'>) => MailTestAccount[],
  env: Env = {},
): Promise<RelayUnderTest> {
  const fakes = await startFakeMailProviders();
  const dir = await mkdtemp(join(tmpdir(), 'mail-relay-'));
  const accountsFile = join(dir, 'accounts.json');
  const account = fakes.account;
  await writeAccountsFile(accountsFile, accounts({ account }));
  const config = loadMailRelayConfig(
    testEnv({
      XOAUTH2_HOST: '127.0.0.1',
      XOAUTH2_ACCOUNTS_FILE: accountsFile,
      XOAUTH2_ACCOUNTS_POLL_MS: '200',
      XOAUTH2_REGISTRY_REFRESH_MS: '0',
      ...GENEROUS,
      ...mailProviderEnv(fakes),
      ...env,
    }),
  );
  const app = await createHttpApp(AppModule.forRoot(config), config);
  await app.init();
  const smtpPort = app.get(SmtpIngestServer).port;
  return {
    app,
    fakes,
    smtpPort,
    accountsFile,
    account,
    writeAccounts: (content) => writeAccountsFile(accountsFile, content),
    send: (a, o) => sendAsApp(smtpPort, a, o),
    pooledSender: (a) => {
      let opened = 0;
      const options: SMTPPoolOptions & { pool: true } = {
        host: '127.0.0.1',
        port: smtpPort,
        secure: false,
        ignoreTLS: true,
        auth: { user: a.email, pass: a.localPassword },
        maxConnections: 1,
        maxMessages: Infinity,
        pool: true,
        getSocket: (_o, done) => {
          opened++;
          done(null, false);
        },
      };
      const transport = createTransport(options);
      return {
        send: (subject) =>
          transport.sendMail({ from: a.email, to: 'friend@example.net', subject, text: 'x' }),
        connections: () => opened,
        close: () => transport.close(),
      };
    },
    metrics: async () => (await app.inject({ method: 'GET', url: '/metrics' })).body,
    close: async () => {
      await app.close();
      await fakes.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
