import { Logger } from '@nestjs/common';
import { Registry } from 'prom-client';
import { MailAccountsConfig, type MailProvider } from '@libs/config';
import type { RpcClient } from '@libs/messaging';
import { sha256SecretHash } from '@libs/models';
import { RelayMetrics } from '../relay/relay.metrics';
import type { AccountDefinition } from './account-source';
import { RegistryAccountSource } from './registry-account.source';

type Row = Record<string, unknown> & { user_id: string; provider: MailProvider };

const HASH = sha256SecretHash('local-app-password');

function row(userId: string, provider: MailProvider, overrides: Partial<Row> = {}): Row {
  return {
    user_id: userId,
    provider,
    is_active: true,
    email: `${userId}@${provider}.test`,
    credentials: { clientId: 'id', clientSecret: 'secret', refreshToken: `rt-${userId}` },
    relay: { password_hash: HASH, max_messages_per_hour: null },
    ...overrides,
  };
}

/** `credentials.list` and `credentials.put` of a registry, paged like the real one. */
class FakeRegistry {
  rows: Row[] = [];
  unreadable: { user_id: string; provider: string; message: string }[] = [];
  down = false;
  readonly puts: unknown[] = [];

  readonly rpc = {
    request: async (_service: string, pattern: string, payload: Record<string, unknown>) => {
      if (this.down) throw new Error('RPC timed out');
      if (pattern === 'credentials.put') return void this.puts.push(payload);
      const after = (payload.after as string | undefined) ?? '';
      const limit = payload.limit as number;
      const page = this.rows
        .filter((r) => r.provider === payload.provider && r.user_id > after)
        .sort((a, b) => a.user_id.localeCompare(b.user_id))
        .slice(0, limit);
      const unreadable =
        after === '' ? this.unreadable.filter((u) => u.provider === payload.provider) : [];
      const next_after = page.length === limit ? page[page.length - 1].user_id : null;
      return { items: page, unreadable, next_after };
    },
  } as unknown as RpcClient;
}

describe('registry account source', () => {
  let registry: FakeRegistry;
  let source: RegistryAccountSource;
  let snapshots: (readonly AccountDefinition[])[];
  let errors: jest.SpyInstance;

  beforeEach(() => {
    registry = new FakeRegistry();
    snapshots = [];
    errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    source = new RegistryAccountSource(
      new MailAccountsConfig('unused', 1_000, 0, 3_600_000),
      registry.rpc,
      new RelayMetrics(new Registry()),
    );
  });

  afterEach(async () => {
    await source.close();
    errors.mockRestore();
  });

  const start = () => source.start((accounts) => snapshots.push(accounts));
  const loggedErrors = () => errors.mock.calls.map(([message]) => String(message));

  it('lists every page of both providers; skips inactive rows and logs unusable ones once', async () => {
    registry.rows = [
      ...Array.from({ length: 450 }, (_, i) => row(`g${String(i).padStart(3, '0')}`, 'gmail')),
      row('o1', 'outlook', { relay: { password_hash: HASH, max_messages_per_hour: 7 } }),
      row('o2', 'outlook', { is_active: false }),
      row('o3', 'outlook', { email: null }),
    ];
    registry.unreadable = [{ user_id: 'o4', provider: 'outlook', message: 'cannot be decrypted' }];
    const first = await start();
    expect(first).toHaveLength(451);
    expect(first.find((a) => a.email === 'o1@outlook.test')).toEqual({
      email: 'o1@outlook.test',
      provider: 'outlook',
      clientId: 'id',
      clientSecret: 'secret',
      refreshToken: 'rt-o1',
      localPassword: HASH,
      maxMessagesPerHour: 7,
    });
    expect(loggedErrors()).toEqual([
      'registry account o4/outlook skipped: cannot be decrypted',
      'registry account o3/outlook skipped: email (the mailbox, also the local login) is missing or not an address',
    ]);
    await source.refresh();
    expect(errors).toHaveBeenCalledTimes(2);
    expect(snapshots).toEqual([]);
  });

  it('applies a changed listing, keeps the last one while the registry fails', async () => {
    registry.rows = [row('a', 'gmail')];
    await start();
    registry.rows.push(row('b', 'outlook'));
    await source.refresh();
    expect(snapshots.map((s) => s.map((a) => a.email))).toEqual([
      ['a@gmail.test', 'b@outlook.test'],
    ]);
    registry.down = true;
    await source.refresh();
    await source.refresh();
    expect(snapshots).toHaveLength(1);
    expect(loggedErrors()).toEqual([
      "cannot list the registry's mailboxes (RPC timed out); keeping the accounts listed before",
    ]);
    registry.down = false;
    registry.rows = [row('b', 'outlook')];
    await source.refresh();
    expect(snapshots[1].map((a) => a.email)).toEqual(['b@outlook.test']);
  });

  it('serves a mailbox found in two rows from the first and names the other', async () => {
    registry.rows = [
      row('a', 'gmail', { email: 'same@x.test' }),
      row('b', 'outlook', { email: 'SAME@x.test' }),
    ];
    const first = await start();
    expect(first.map((a) => [a.email, a.provider])).toEqual([['same@x.test', 'gmail']]);
    expect(loggedErrors()).toEqual([
      'registry account b/outlook skipped: same@x.test is served from a/gmail',
    ]);
  });

  it('stores a rotated refresh token once, and reads an older listing as the rotated one', async () => {
    registry.rows = [row('a', 'outlook')];
    await start();
    const tokens = { accessToken: 'at', expiresAt: new Date('2030-01-01T00:00:00Z') };
    await source.saveTokens('a@outlook.test', { ...tokens, refreshToken: 'rt-a' });
    expect(registry.puts).toEqual([]);
    await source.saveTokens('a@outlook.test', { ...tokens, refreshToken: 'rotated' });
    await source.saveTokens('a@outlook.test', { ...tokens, refreshToken: 'rotated' });
    expect(registry.puts).toEqual([
      {
        user_id: 'a',
        provider: 'outlook',
        mode: 'merge',
        credentials: {
          accessToken: 'at',
          expiresAt: '2030-01-01T00:00:00.000Z',
          refreshToken: 'rotated',
        },
      },
    ]);
    // A listing read before the put landed still carries the old token: it means the new one.
    await source.refresh();
    expect(snapshots.map((s) => s[0].refreshToken)).toEqual(['rotated']);
    registry.rows = [
      row('a', 'outlook', {
        credentials: { clientId: 'id', clientSecret: 'secret', refreshToken: 'reauthorized' },
      }),
    ];
    await source.refresh();
    expect(snapshots.map((s) => s[0].refreshToken)).toEqual(['rotated', 'reauthorized']);
  });

  it('reads nothing when XOAUTH2_REGISTRY_REFRESH_MS is 0', async () => {
    registry.down = true;
    source = new RegistryAccountSource(
      new MailAccountsConfig('unused', 1_000, 0, 0),
      registry.rpc,
      new RelayMetrics(new Registry()),
    );
    await expect(start()).resolves.toEqual([]);
    expect(errors).not.toHaveBeenCalled();
  });
});
