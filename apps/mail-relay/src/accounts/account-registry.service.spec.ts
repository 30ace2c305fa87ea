import { Registry } from 'prom-client';
import { MailAccountsConfig, MailLimitsConfig } from '@libs/config';
import { RelayMetrics } from '../relay/relay.metrics';
import { AccountRegistry } from './account-registry.service';
import type { AccountDefinition, AccountSource } from './account-source';

const account = (email: string, overrides: Partial<AccountDefinition> = {}): AccountDefinition => ({
  email,
  provider: 'gmail',
  clientId: 'client',
  clientSecret: 'secret',
  refreshToken: `refresh-${email}`,
  localPassword: 'password-of-app',
  ...overrides,
});

class StaticSource implements AccountSource {
  constructor(
    readonly name: string,
    private readonly first: AccountDefinition[],
  ) {}
  start = async () => this.first;
  close = async () => undefined;
}

function registryWith(...sources: AccountSource[]): AccountRegistry {
  return new AccountRegistry(
    sources,
    new MailAccountsConfig('unused', 1_000, 0),
    new MailLimitsConfig(10, 2, 1_000, 1_000_000),
    new RelayMetrics(new Registry()),
  );
}

describe('account registry', () => {
  it('finds accounts in any case and authenticates their local passwords', async () => {
    const registry = registryWith(new StaticSource('file', [account('a@example.com')]));
    await registry.onModuleInit();
    expect(registry.get('A@Example.COM')?.email).toBe('a@example.com');
    expect((await registry.authenticate('a@example.com', 'password-of-app'))?.email).toBe(
      'a@example.com',
    );
    await expect(registry.authenticate('a@example.com', 'wrong')).resolves.toBeUndefined();
    await expect(
      registry.authenticate('nobody@example.com', 'password-of-app'),
    ).resolves.toBeUndefined();
  });

  it('keeps unchanged accounts, replaces changed credentials and retires removed accounts', async () => {
    const registry = registryWith(new StaticSource('file', []));
    await registry.onModuleInit();
    registry.apply('file', [
      account('keep@x.io'),
      account('change@x.io'),
      account('drop@x.io', { maxMessagesPerHour: 5 }),
    ]);
    const [keep, change, drop] = ['keep@x.io', 'change@x.io', 'drop@x.io'].map((e) =>
      registry.get(e)!,
    );
    drop.enter();

    registry.apply('file', [
      account('keep@x.io', { localPassword: 'a-new-password' }),
      account('change@x.io', { refreshToken: 'rotated' }),
      account('new@x.io'),
    ]);

    expect(registry.get('keep@x.io')).toBe(keep);
    await expect(keep.password.verify('a-new-password')).resolves.toBe(true);
    const changed = registry.get('change@x.io')!;
    expect(changed).not.toBe(change);
    expect(changed.limits.slots).toBe(change.limits.slots);
    expect(change.retired).toBe(true);
    expect(registry.get('drop@x.io')).toBeUndefined();
    expect(registry.get('new@x.io')).toBeDefined();

    // A retired account is released only once its last delivery is done.
    const released = jest.fn();
    drop.onDispose(released);
    expect(released).not.toHaveBeenCalled();
    drop.leave();
    expect(released).toHaveBeenCalledTimes(1);
  });

  it('lets the first source win a mailbox defined twice', async () => {
    const registry = registryWith(
      new StaticSource('file', [account('both@x.io', { provider: 'gmail' })]),
      new StaticSource('registry', [
        account('both@x.io', { provider: 'outlook' }),
        account('only@x.io'),
      ]),
    );
    await registry.onModuleInit();
    expect(registry.get('both@x.io')).toMatchObject({ provider: 'gmail', source: 'file' });
    expect(registry.get('only@x.io')?.source).toBe('registry');
    expect(registry.size).toBe(2);
  });
});
