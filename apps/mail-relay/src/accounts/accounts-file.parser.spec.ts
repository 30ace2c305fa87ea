import { MailRelayError, MailRelayErrorCode } from '../relay/relay.errors';
import { parseAccountsFile } from './accounts-file.parser';

const entry = (overrides: Record<string, unknown> = {}) => ({
  email: 'Someone@Example.com',
  provider: 'gmail',
  client_id: 'id-1',
  client_secret: 'secret-value-1',
  refresh_token: 'refresh-value-1',
  local_password: 'local-password-1',
  ...overrides,
});

const problemsOf = (text: string): string => {
  try {
    parseAccountsFile(text);
  } catch (e) {
    expect(e).toBeInstanceOf(MailRelayError);
    expect((e as MailRelayError).code).toBe(MailRelayErrorCode.AccountsFileInvalid);
    return (e as Error).message;
  }
  throw new Error('expected the file to be refused');
};

describe('accounts.json parsing', () => {
  it('maps entries to account definitions with lower-cased mailboxes', () => {
    const text = JSON.stringify({
      accounts: [
        entry(),
        entry({ email: 'b@example.com', provider: 'outlook', max_messages_per_hour: 30 }),
      ],
    });
    expect(parseAccountsFile(text)).toEqual([
      {
        email: 'someone@example.com',
        provider: 'gmail',
        clientId: 'id-1',
        clientSecret: 'secret-value-1',
        refreshToken: 'refresh-value-1',
        localPassword: 'local-password-1',
      },
      expect.objectContaining({
        email: 'b@example.com',
        provider: 'outlook',
        maxMessagesPerHour: 30,
      }),
    ]);
  });

  it('accepts an empty list', () => {
    expect(parseAccountsFile('{"accounts":[]}')).toEqual([]);
  });

  it.each([
    ['not JSON', '{ "accounts": [', /not valid JSON/],
    ['not an object', '[]', /must be an object/],
    ['no accounts array', '{}', /accounts: /],
    [
      'an unknown provider',
      JSON.stringify({ accounts: [entry({ provider: 'yahoo' })] }),
      /accounts\.0\.provider/,
    ],
    [
      'a bad address',
      JSON.stringify({ accounts: [entry({ email: 'nobody' })] }),
      /accounts\.0\.email/,
    ],
    [
      'a short password',
      JSON.stringify({ accounts: [entry({ local_password: 'short' })] }),
      /accounts\.0\.local_password/,
    ],
    [
      'a misspelt field',
      JSON.stringify({ accounts: [entry({ max_message_per_hour: 5 })] }),
      /accounts\.0\.max_message_per_hour: unknown field/,
    ],
    [
      'a bad budget',
      JSON.stringify({ accounts: [entry({ max_messages_per_hour: 0 })] }),
      /accounts\.0\.max_messages_per_hour/,
    ],
    [
      'a duplicate mailbox',
      JSON.stringify({ accounts: [entry(), entry({ email: 'SOMEONE@example.com' })] }),
      /accounts\.1\.email: duplicates accounts\.0/,
    ],
  ])('refuses %s', (_what, text, problem) => {
    expect(problemsOf(text)).toMatch(problem);
  });

  it('never echoes a value, secrets least of all', () => {
    const text = JSON.stringify({
      accounts: [entry({ client_secret: 42, refresh_token: '', email: 'leaky-secret-value' })],
    });
    const message = problemsOf(text);
    expect(message).toMatch(/client_secret/);
    expect(message).not.toMatch(/leaky-secret-value|secret-value-1|local-password-1/);
  });
});
