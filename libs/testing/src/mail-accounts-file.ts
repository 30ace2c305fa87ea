import { randomBytes } from 'node:crypto';
import { rename, writeFile } from 'node:fs/promises';
import { xoauth2TestAccount, type Xoauth2TestAccount } from './fake-xoauth2-tokens';

/** A relay account as a test writes it to `accounts.json`, with its local password. */
export interface MailTestAccount extends Xoauth2TestAccount {
  readonly provider: 'gmail' | 'outlook';
  readonly localPassword: string;
  readonly maxMessagesPerHour?: number;
}

/** A new account with unique mailbox and `canary`-marked secrets (log tests search for them). */
export function mailTestAccount(
  provider: 'gmail' | 'outlook',
  options: { maxMessagesPerHour?: number; label?: string } = {},
): MailTestAccount {
  const tag = randomBytes(4).toString('hex');
  const email = `${options.label ?? provider}-${tag}@${provider === 'gmail' ? 'gmail.test' : 'outlook.test'}`;
  return {
    ...xoauth2TestAccount(email),
    provider,
    localPassword: `canary-local-password-${randomBytes(6).toString('hex')}`,
    ...(options.maxMessagesPerHour === undefined
      ? {}
      : { maxMessagesPerHour: options.maxMessagesPerHour }),
  };
}

/** The `accounts.json` document for these accounts. */
export function accountsFileJson(accounts: readonly MailTestAccount[]): string {
  const entries = accounts.map((a) => ({
    email: a.email,
    provider: a.provider,
    client_id: a.clientId,
    client_secret: a.clientSecret,
    refresh_token: a.refreshToken,
    local_password: a.localPassword,
    ...(a.maxMessagesPerHour === undefined ? {} : { max_messages_per_hour: a.maxMessagesPerHour }),
  }));
  return JSON.stringify({ accounts: entries }, null, 2);
}

/** Replaces the file atomically (write beside it, then rename), as an operator's tooling should. */
export async function writeAccountsFile(
  path: string,
  content: readonly MailTestAccount[] | string,
): Promise<void> {
  const text = typeof content === 'string' ? content : accountsFileJson(content);
  const temp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temp, text);
  await rename(temp, path);
}
