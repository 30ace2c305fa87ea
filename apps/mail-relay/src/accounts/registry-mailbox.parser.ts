import { isEmail } from 'class-validator';
import { MAIL_PROVIDERS, type MailProvider } from '@libs/config';
import { isSecretHash } from '@libs/models';
import type { AccountDefinition } from './account-source';

/** A page of the registry's `credentials.list` (see docs/credentials.md). */
export interface RegistryPage {
  readonly items: readonly unknown[];
  readonly unreadable: readonly { user_id: string; provider: string; message: string }[];
  readonly next_after: string | null;
}

/** The registry row an account comes from. */
export interface RegistryRowKey {
  readonly userId: string;
  readonly provider: MailProvider;
}

/** What one listed row means to the relay; `key` (`<user_id>/<provider>`) names it in logs. */
export type MailboxVerdict =
  | {
      readonly kind: 'account';
      readonly key: string;
      readonly row: RegistryRowKey;
      readonly account: AccountDefinition;
    }
  | { readonly kind: 'inactive'; readonly key: string }
  | { readonly kind: 'invalid'; readonly key: string; readonly problems: readonly string[] };

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/** Checks the envelope of a page; a page that is not one fails the whole listing. */
export function parseRegistryPage(answer: unknown): RegistryPage {
  const ok =
    isRecord(answer) &&
    Array.isArray(answer.items) &&
    Array.isArray(answer.unreadable) &&
    (answer.next_after === null || typeof answer.next_after === 'string');
  if (!ok) throw new Error('credentials.list answered something that is not a page');
  return answer as unknown as RegistryPage;
}

/**
 * A listed gmail/outlook row as an account, or why it is not one. Problems name fields, never
 * values (most are secrets).
 */
export function mailboxVerdict(row: unknown): MailboxVerdict {
  const r = isRecord(row) ? row : {};
  const key = `${String(r.user_id)}/${String(r.provider)}`;
  const problems: string[] = [];
  const provider = r.provider as MailProvider;
  if (!MAIL_PROVIDERS.includes(provider)) problems.push('provider is not gmail or outlook');
  if (!isText(r.email) || !isEmail(r.email, { require_tld: false })) {
    problems.push('email (the mailbox, also the local login) is missing or not an address');
  }
  const c = isRecord(r.credentials) ? r.credentials : {};
  for (const field of ['clientId', 'clientSecret', 'refreshToken'] as const) {
    if (!isText(c[field])) problems.push(`credentials.${field} is missing`);
  }
  if (c.tokenUrl !== undefined && !isText(c.tokenUrl)) problems.push('credentials.tokenUrl');
  const relay = isRecord(r.relay) ? r.relay : {};
  if (!isText(relay.password_hash) || !isSecretHash(relay.password_hash)) {
    problems.push('relay.password_hash is not a sha256$ or $argon2id$ hash');
  }
  const perHour = relay.max_messages_per_hour ?? undefined;
  if (perHour !== undefined && (!Number.isInteger(perHour) || (perHour as number) < 1)) {
    problems.push('relay.max_messages_per_hour must be an integer of at least 1');
  }
  if (problems.length > 0) return { kind: 'invalid', key, problems };
  if (r.is_active !== true) return { kind: 'inactive', key };
  const account: AccountDefinition = {
    email: (r.email as string).toLowerCase(),
    provider,
    clientId: c.clientId as string,
    clientSecret: c.clientSecret as string,
    refreshToken: c.refreshToken as string,
    localPassword: relay.password_hash as string,
    ...(perHour === undefined ? {} : { maxMessagesPerHour: perHour as number }),
    ...(c.tokenUrl === undefined ? {} : { tokenUrl: c.tokenUrl as string }),
  };
  return { kind: 'account', key, row: { userId: String(r.user_id), provider }, account };
}
