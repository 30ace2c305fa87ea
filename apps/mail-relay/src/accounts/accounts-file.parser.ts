import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { MailRelayError, MailRelayErrorCode } from '../relay/relay.errors';
import type { AccountDefinition } from './account-source';
import { AccountsFileDto } from './dto/accounts-file.dto';

/** Files above this are refused unread: a runaway generator must not exhaust memory. */
export const MAX_ACCOUNTS_FILE_BYTES = 16 * 1024 * 1024;

/**
 * Parses and validates the text of `accounts.json`. Every problem is listed by position and
 * field; values never appear in the message (most of them are secrets).
 */
export function parseAccountsFile(text: string): AccountDefinition[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw invalid(['not valid JSON']);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw invalid(['must be an object with an "accounts" array']);
  }
  const dto = plainToInstance(AccountsFileDto, json);
  const errors = validateSync(dto, {
    whitelist: true,
    forbidNonWhitelisted: true,
    stopAtFirstError: true,
  });
  const problems = errors.flatMap((e) => describe(e, ''));
  problems.push(...duplicates(dto));
  if (problems.length > 0) throw invalid(problems);
  return dto.accounts.map((a) => ({
    email: a.email.toLowerCase(),
    provider: a.provider,
    clientId: a.client_id,
    clientSecret: a.client_secret,
    refreshToken: a.refresh_token,
    localPassword: a.local_password,
    ...(a.max_messages_per_hour === undefined
      ? {}
      : { maxMessagesPerHour: a.max_messages_per_hour }),
  }));
}

function invalid(problems: string[]): MailRelayError {
  const shown = problems.slice(0, 20);
  const more =
    problems.length > shown.length ? ` (and ${problems.length - shown.length} more)` : '';
  return new MailRelayError(
    MailRelayErrorCode.AccountsFileInvalid,
    `invalid accounts file: ${shown.join('; ')}${more}`,
  );
}

function describe(error: ValidationError, path: string): string[] {
  const here = path ? `${path}.${error.property}` : error.property;
  const own = Object.keys(error.constraints ?? {}).map(
    (rule) => `${here}: ${ruleText(rule, error)}`,
  );
  return [...own, ...(error.children ?? []).flatMap((c) => describe(c, here))];
}

/** class-validator's own messages are fine except that some quote the value: keep the rule. */
function ruleText(rule: string, error: ValidationError): string {
  const message = error.constraints?.[rule] ?? rule;
  return rule === 'whitelistValidation' ? 'unknown field' : message.replace(/^\S+ /, '');
}

function duplicates(dto: AccountsFileDto): string[] {
  if (!Array.isArray(dto.accounts)) return [];
  const seen = new Map<string, number>();
  const problems: string[] = [];
  dto.accounts.forEach((a, i) => {
    if (typeof a?.email !== 'string') return;
    const email = a.email.toLowerCase();
    const first = seen.get(email);
    if (first === undefined) seen.set(email, i);
    else problems.push(`accounts.${i}.email: duplicates accounts.${first}`);
  });
  return problems;
}
