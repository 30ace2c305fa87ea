import { createTransport } from 'nodemailer';
import type { Env } from '../../config/src';
import type { FakeMailProviders } from './fake-mail-providers';
import { mailProviderEnv, smtpReplyOf } from './fake-mail-providers';
import type { MailTestAccount } from './mail-accounts-file';
import { freePort, spawnApp, statusOf, waitFor, type RunningProcess } from './processes';
import { testEnv } from './test-env';

/** What a local application may vary in a test message. */
export interface TestMailOptions {
  readonly to?: readonly string[];
  readonly subject?: string;
  readonly from?: string;
  readonly password?: string;
}

/** Sends one message to an SMTP port as a local application would (new connection, AUTH PLAIN). */
export async function sendAsApp(
  port: number,
  account: MailTestAccount,
  options: TestMailOptions = {},
) {
  const transport = createTransport({
    host: '127.0.0.1',
    port,
    secure: false,
    ignoreTLS: true,
    auth: { user: account.email, pass: options.password ?? account.localPassword },
  });
  const subject = options.subject ?? 'hello';
  try {
    return await transport.sendMail({
      from: options.from ?? account.email,
      to: [...(options.to ?? ['friend@example.net'])],
      subject,
      text: `body of ${subject}`,
    });
  } finally {
    transport.close();
  }
}

/** The built mail relay running as a real process against fake providers. */
export interface MailRelayProcess {
  readonly process: RunningProcess;
  readonly smtpPort: number;
  readonly httpPort: number;
  /** Waits for /health/ready (the output is in the error when it does not come). */
  ready(timeoutMs?: number): Promise<void>;
  metrics(): Promise<string>;
  /** Sends as `account` and resolves with the reply code and text. */
  send(account: MailTestAccount, options?: TestMailOptions): ReturnType<typeof smtpReplyOf>;
}

/** Starts `dist/apps/mail-relay` on free ports with `accountsFile`, the fakes and `env`. */
export async function spawnMailRelay(
  fakes: FakeMailProviders,
  accountsFile: string,
  env: Env = {},
): Promise<MailRelayProcess> {
  const [smtpPort, httpPort] = [await freePort(), await freePort()];
  const process = spawnApp(
    'mail-relay',
    testEnv({
      HOST: '127.0.0.1',
      MAIL_RELAY_PORT: String(httpPort),
      XOAUTH2_PORT: String(smtpPort),
      XOAUTH2_ACCOUNTS_FILE: accountsFile,
      // No registry in these tests unless one asks for it (with its REDIS_KEY_PREFIX).
      XOAUTH2_REGISTRY_REFRESH_MS: '0',
      ...mailProviderEnv(fakes),
      ...env,
    }),
  );
  const readyUrl = `http://127.0.0.1:${httpPort}/health/ready`;
  return {
    process,
    smtpPort,
    httpPort,
    ready: (timeoutMs = 30_000) =>
      waitFor('mail relay ready', async () => (await statusOf(readyUrl)) === 200, timeoutMs).catch(
        (error: unknown) => {
          throw new Error(`${(error as Error).message}\n${process.output()}`);
        },
      ),
    metrics: async () => (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text(),
    send: (account, options) => smtpReplyOf(sendAsApp(smtpPort, account, options)),
  };
}
