import type { Env, MailProvider } from '../../config/src';
import { FakeXoauth2TokenEndpoint } from './fake-xoauth2-tokens';
import { FakeXoauth2Upstream, type ReceivedMail } from './fake-xoauth2-upstream';
import { mailTestAccount, type MailTestAccount } from './mail-accounts-file';

/** Gmail and Outlook as fakes: a token endpoint and an XOAUTH2-only SMTP server each. */
export interface FakeMailProviders {
  readonly tokens: Readonly<Record<MailProvider, FakeXoauth2TokenEndpoint>>;
  readonly upstreams: Readonly<Record<MailProvider, FakeXoauth2Upstream>>;
  /** A new account its provider's token endpoint knows (`known: false`: one it refuses). */
  account(
    provider: MailProvider,
    options?: { maxMessagesPerHour?: number; known?: boolean },
  ): MailTestAccount;
  close(): Promise<void>;
}

/** Fixed ports of one provider's fakes (unset or 0: any free port). */
export interface FakeMailProviderPorts {
  readonly token?: number;
  readonly smtp?: number;
}

export interface FakeMailProvidersOptions {
  /** Keep received messages (default true). */
  keepMessages?: boolean;
  ports?: Partial<Record<MailProvider, FakeMailProviderPorts>>;
  /** Told of every message a provider accepted. */
  onMessage?(provider: MailProvider, mail: ReceivedMail): void;
}

/** Starts both fake providers; each SMTP server accepts only tokens its own endpoint issued. */
export async function startFakeMailProviders(
  options: FakeMailProvidersOptions = {},
): Promise<FakeMailProviders> {
  const { ports = {}, onMessage } = options;
  const tokens = {
    gmail: await FakeXoauth2TokenEndpoint.start({ port: ports.gmail?.token }),
    outlook: await FakeXoauth2TokenEndpoint.start({ port: ports.outlook?.token }),
  };
  const upstream = (p: MailProvider) =>
    FakeXoauth2Upstream.start({
      verify: (user, token) => tokens[p].ownerOf(token) === user,
      port: ports[p]?.smtp,
      keepMessages: options.keepMessages,
      onMessage: onMessage && ((mail) => onMessage(p, mail)),
    });
  const upstreams = { gmail: await upstream('gmail'), outlook: await upstream('outlook') };
  return {
    tokens,
    upstreams,
    account: (provider, options = {}) => {
      const account = mailTestAccount(provider, options);
      if (options.known !== false) tokens[provider].addAccount(account);
      return account;
    },
    close: async () => {
      await Promise.all([
        upstreams.gmail.close(),
        upstreams.outlook.close(),
        tokens.gmail.close(),
        tokens.outlook.close(),
      ]);
    },
  };
}

/** The mail relay's environment pointing both providers at the fakes (plain SMTP on loopback). */
export function mailProviderEnv(fakes: FakeMailProviders): Env {
  const env: Record<string, string> = {};
  for (const p of ['gmail', 'outlook'] as const) {
    const key = p.toUpperCase();
    env[`XOAUTH2_${key}_SMTP_HOST`] = '127.0.0.1';
    env[`XOAUTH2_${key}_SMTP_PORT`] = String(fakes.upstreams[p].port);
    env[`XOAUTH2_${key}_SMTP_SECURE`] = 'none';
    env[`XOAUTH2_${key}_TOKEN_URL`] = fakes.tokens[p].url;
  }
  return env;
}

/** The SMTP reply a send ended with: 250, or nodemailer's `responseCode` and reply text. */
export async function smtpReplyOf(
  sending: Promise<unknown>,
): Promise<{ code: number | undefined; response: string }> {
  try {
    await sending;
    return { code: 250, response: '' };
  } catch (error) {
    const e = error as { responseCode?: number; response?: string; message: string };
    return { code: e.responseCode, response: e.response ?? e.message };
  }
}
