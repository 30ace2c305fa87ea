import { PROVIDERS } from '@libs/provider-clients';
import { credentialsFor, putRequest } from '../../test/credentials-fixtures';
import { sha256SecretHash } from '@libs/models';
import {
  parseCredentialKey,
  parseListCredentials,
  parsePutCredentials,
  parseSetRelayLogin,
} from './credential-requests';
import { CredentialsError, CredentialsErrorCode } from './credentials.errors';

function problemOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(CredentialsError);
    expect((error as CredentialsError).code).toBe(CredentialsErrorCode.InvalidInput);
    return (error as Error).message;
  }
  throw new Error('expected a validation error');
}

describe('credentials RPC payloads', () => {
  it.each(PROVIDERS)('accepts complete %s credentials', (provider) => {
    const request = putRequest(provider);
    const command = parsePutCredentials(request);
    expect(command).toMatchObject({ userId: request.user_id, provider, mode: 'replace' });
    expect(Object.fromEntries(command.fields)).toEqual(request.credentials);
  });

  it.each([
    ['bricklink', 'tokenSecret'],
    ['brickowl', 'apiKey'],
    ['discogs', 'token'],
    ['gmail', 'refreshToken'],
    ['outlook', 'clientSecret'],
  ] as const)('names the missing %s field %s', (provider, field) => {
    const request = putRequest(provider);
    delete request.credentials[field];
    expect(problemOf(() => parsePutCredentials(request))).toBe(
      `credentials.${field} is required for provider ${provider}`,
    );
  });

  it('refuses fields of another provider, and mailbox metadata outside mail providers', () => {
    const request = { ...putRequest('discogs'), email: 'a@example.com' };
    request.credentials.apiKey = 'x';
    expect(problemOf(() => parsePutCredentials(request))).toBe(
      'credentials.apiKey does not apply to provider discogs; email does not apply to provider discogs',
    );
  });

  it('lists every problem at once and never echoes a value', () => {
    const secret = ' padded-secret ';
    const message = problemOf(() =>
      parsePutCredentials({
        user_id: '',
        provider: 'gmail',
        credentials: { ...credentialsFor('gmail'), clientSecret: secret, expiresAt: 'tomorrow' },
        scopes: ['a b'],
        extra: 1,
      }),
    );
    const problems = message.split('; ');
    expect(problems.slice(0, 2)).toEqual([
      'unknown field extra',
      'user_id must be a string of 1 to 255 printable characters',
    ]);
    expect(problems.slice(2).map((p) => p.split(' must ')[0])).toEqual([
      'credentials.clientSecret',
      'credentials.expiresAt',
      'scopes',
    ]);
    expect(message).not.toContain('padded-secret');
  });

  it('refuses an unknown provider, a provider mismatch and a token URL off https', () => {
    expect(problemOf(() => parseCredentialKey({ user_id: 'u', provider: 'github' }))).toBe(
      'provider must be one of bricklink, brickowl, discogs, gmail, outlook',
    );
    const request = putRequest('outlook');
    Object.assign(request.credentials, {
      provider: 'gmail',
      tokenUrl: 'http://evil.example/token',
    });
    expect(problemOf(() => parsePutCredentials(request))).toBe(
      'credentials.provider does not apply to provider outlook; ' +
        'credentials.tokenUrl must be an https URL (http only for a loopback host)',
    );
  });

  it('merges: required fields may be left out, but not cleared; something must change', () => {
    const merge = parsePutCredentials({
      user_id: 'u',
      provider: 'gmail',
      mode: 'merge',
      credentials: { accessToken: 'new', expiresAt: '2030-01-01T00:00:00+02:00', tokenUrl: null },
    });
    expect(Object.fromEntries(merge.fields)).toEqual({
      accessToken: 'new',
      expiresAt: '2029-12-31T22:00:00.000Z',
      tokenUrl: null,
    });
    expect(
      problemOf(() =>
        parsePutCredentials({
          user_id: 'u',
          provider: 'gmail',
          mode: 'merge',
          credentials: { refreshToken: null },
        }),
      ),
    ).toBe('credentials.refreshToken is required for provider gmail');
    expect(
      problemOf(() => parsePutCredentials({ user_id: 'u', provider: 'gmail', mode: 'merge' })),
    ).toBe('a merge must change at least one field');
    expect(
      parsePutCredentials({ user_id: 'u', provider: 'gmail', mode: 'merge', is_active: false })
        .isActive,
    ).toBe(false);
  });
});

describe('credentials.list and credentials.setRelayLogin payloads', () => {
  it('pages 100 rows of every kind by default and refuses bad paging', () => {
    expect(parseListCredentials({ provider: 'outlook' })).toEqual({
      provider: 'outlook',
      after: undefined,
      limit: 100,
      relayOnly: false,
    });
    expect(
      problemOf(() =>
        parseListCredentials({ provider: 'fax', limit: 501, relay_only: 'yes', page: 2 }),
      ),
    ).toBe(
      'unknown field page; provider must be one of bricklink, brickowl, discogs, gmail, outlook; ' +
        'limit must be an integer from 1 to 500; relay_only must be a boolean',
    );
  });

  it('takes a password hash for a mailbox, null to remove it, and never plain text', () => {
    const hash = sha256SecretHash('generated-password');
    expect(
      parseSetRelayLogin({
        user_id: 'u',
        provider: 'gmail',
        password_hash: hash,
        max_messages_per_hour: 20,
      }),
    ).toEqual({
      userId: 'u',
      provider: 'gmail',
      passwordHash: hash,
      maxMessagesPerHour: 20,
    });
    expect(parseSetRelayLogin({ user_id: 'u', provider: 'outlook', password_hash: null })).toEqual({
      userId: 'u',
      provider: 'outlook',
      passwordHash: null,
      maxMessagesPerHour: null,
    });
    const plain = 'canary-plain-password';
    const problem = problemOf(() =>
      parseSetRelayLogin({
        user_id: 'u',
        provider: 'discogs',
        password_hash: plain,
        max_messages_per_hour: 0,
      }),
    );
    expect(problem).toBe(
      'a relay login does not apply to provider discogs; ' +
        'password_hash must be a sha256$ or $argon2id$ hash, or null; ' +
        'max_messages_per_hour must be an integer of at least 1, or null',
    );
    expect(problem).not.toContain(plain);
  });
});
