import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { RedisConfig } from '@libs/config';
import { RpcClient } from '@libs/messaging';
import { sha256SecretHash } from '@libs/models';
import {
  freePort,
  smtpReplyOf,
  spawnReadyApp,
  testDatabaseUrl,
  testEnv,
  uniquePrefix,
  waitFor,
  type MailTestAccount,
  type RunningProcess,
} from '@libs/testing';
import { AccountRegistry } from '../src/accounts/account-registry.service';
import { RegistryAccountSource } from '../src/accounts/registry-account.source';
import { startRelay, type RelayUnderTest } from './relay-harness';

const TABLE = 'client_registry.user_oauth_credentials';

// The client registry as a real process (from dist/: `node scripts/build.js` first) over the
// shared test database, the relay in this process, both on one Redis prefix. Mailboxes are put
// into the registry over RPC, as the service that onboards a user would.
describe('mail relay accounts from the registry', () => {
  const prefix = uniquePrefix('relay-registry');
  const users: { user_id: string; provider: string }[] = [];
  let registryProcess: RunningProcess;
  let rpc: RpcClient;
  let pg: Client;
  let relay: RelayUnderTest;
  let fileAccount: MailTestAccount;
  let errors: jest.SpyInstance;

  const call = (pattern: string, payload: object) =>
    rpc.request<unknown>('client-registry', pattern, payload);

  /** Stores the account's mailbox credentials and its relay login, as onboarding would. */
  async function putMailbox(
    account: MailTestAccount,
    options: { email?: string | null; password?: string } = {},
  ): Promise<string> {
    const userId = `relay-test|${randomUUID()}`;
    users.push({ user_id: userId, provider: account.provider });
    await call('credentials.put', {
      user_id: userId,
      provider: account.provider,
      credentials: {
        clientId: account.clientId,
        clientSecret: account.clientSecret,
        refreshToken: account.refreshToken,
      },
      ...(options.email === null ? {} : { email: options.email ?? account.email }),
    });
    await call('credentials.setRelayLogin', {
      user_id: userId,
      provider: account.provider,
      password_hash: sha256SecretHash(options.password ?? account.localPassword),
      max_messages_per_hour: 100,
    });
    return userId;
  }

  const source = () => relay.app.get(RegistryAccountSource);
  const served = (email: string) => relay.app.get(AccountRegistry).get(email);
  const send = (account: MailTestAccount, password?: string) =>
    smtpReplyOf(relay.send(account, { password }));

  beforeAll(async () => {
    const port = await freePort();
    registryProcess = await spawnReadyApp(
      'client-registry',
      testEnv({ CLIENT_REGISTRY_PORT: String(port), HOST: '127.0.0.1', REDIS_KEY_PREFIX: prefix }),
      port,
    );
    const env = testEnv({ REDIS_KEY_PREFIX: prefix });
    rpc = new RpcClient({
      redis: new RedisConfig(env.REDIS_URL!, prefix),
      instanceId: `relay-test-${randomUUID()}`,
    });
    pg = new Client({ connectionString: testDatabaseUrl() });
    await pg.connect();
    relay = await startRelay(
      ({ account }) => {
        fileAccount = account('gmail');
        return [fileAccount];
      },
      { REDIS_KEY_PREFIX: prefix, XOAUTH2_REGISTRY_REFRESH_MS: '1000' },
    );
  }, 60_000);

  beforeEach(() => {
    errors = jest.spyOn(Logger.prototype, 'error');
  });

  afterEach(() => errors.mockRestore());

  afterAll(async () => {
    await relay?.close();
    for (const key of users) await call('credentials.delete', key).catch(() => undefined);
    await rpc?.close();
    await pg?.end();
    await registryProcess?.stop('SIGTERM');
  });

  it('serves a mailbox put into the registry, relaying with its XOAUTH2 identity', async () => {
    const account = relay.account('outlook');
    await putMailbox(account);
    // The periodic listing picks it up; no restart, no file.
    await waitFor('registry mailbox served', () => served(account.email) !== undefined, 10_000);
    expect(served(account.email)).toMatchObject({ source: 'registry', provider: 'outlook' });

    expect((await send(account)).code).toBe(250);
    const upstream = relay.fakes.upstreams.outlook.messages;
    expect(upstream.at(-1)).toMatchObject({ user: account.email });
    expect((await send(fileAccount)).code).toBe(250);
  });

  it('takes a changed local password and a deleted mailbox at the next refresh', async () => {
    const account = relay.account('gmail');
    const userId = await putMailbox(account);
    await source().refresh();
    expect((await send(account)).code).toBe(250);

    const newPassword = 'a-new-local-password-0123456789';
    await call('credentials.setRelayLogin', {
      user_id: userId,
      provider: 'gmail',
      password_hash: sha256SecretHash(newPassword),
    });
    await source().refresh();
    expect((await send(account)).code).toBe(535);
    expect((await send(account, newPassword)).code).toBe(250);

    await call('credentials.delete', { user_id: userId, provider: 'gmail' });
    await source().refresh();
    expect(served(account.email)).toBeUndefined();
    expect((await send(account, newPassword)).code).toBe(535);
  });

  it('skips malformed mailboxes with a logged error and serves the others', async () => {
    const [good, noMailbox, damaged] = [
      relay.account('gmail'),
      relay.account('gmail'),
      relay.account('outlook'),
    ];
    await putMailbox(good);
    const noMailboxUser = await putMailbox(noMailbox, { email: null });
    const damagedUser = await putMailbox(damaged);
    // A ciphertext moved to another column no longer decrypts (it is bound to its column).
    await pg.query(
      `UPDATE ${TABLE} SET refresh_token = consumer_secret WHERE user_id = $1 AND provider = 'outlook'`,
      [damagedUser],
    );
    await source().refresh();

    expect((await send(good)).code).toBe(250);
    expect(served(damaged.email)).toBeUndefined();
    expect(served(noMailbox.email)).toBeUndefined();
    const logged = errors.mock.calls.map(([message]) => String(message)).join('\n');
    expect(logged).toContain(
      `registry account ${noMailboxUser}/gmail skipped: email (the mailbox, also the local login) is missing`,
    );
    expect(logged).toContain(
      `registry account ${damagedUser}/outlook skipped: outlook credentials of user ${damagedUser} cannot be decrypted (refresh_token: decrypt_failed)`,
    );
    expect(logged).not.toMatch(/canary/);
  });

  it('lets accounts.json win a mailbox the registry also has', async () => {
    await putMailbox(fileAccount, { password: 'the-registry-password-0123' });
    await source().refresh();
    expect(served(fileAccount.email)?.source).toBe('file');
    expect((await send(fileAccount)).code).toBe(250);
    expect((await send(fileAccount, 'the-registry-password-0123')).code).toBe(535);
  });
});
