import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import {
  freePort,
  sendAsApp,
  smtpReplyOf,
  spawnNode,
  spawnReadyApp,
  testEnv,
  waitFor,
  type MailTestAccount,
  type RunningProcess,
} from '@libs/testing';

// scripts/demo-fakes.js as the compose demo profile runs it (fixed ports, an accounts file),
// without Docker: its Discogs answers the /sync/ page's requests, and the mail relay, given the
// environment the script prints, delivers the accounts' mail through the fake providers.

const FLAGS = [
  'discogs-port',
  'gmail-token-port',
  'gmail-smtp-port',
  'outlook-token-port',
  'outlook-smtp-port',
] as const;

/** The `NAME=value` lines the script printed for the apps. */
const printedEnv = (output: string): Record<string, string> =>
  Object.fromEntries([...output.matchAll(/^ {2}([A-Z0-9_]+)=(\S+)$/gm)].map(([, k, v]) => [k, v]));

/** An entry of the accounts file as the test helpers describe a relay account. */
function asAccount(entry: Record<string, string>): MailTestAccount {
  return {
    email: entry.email,
    provider: entry.provider as MailTestAccount['provider'],
    clientId: entry.client_id,
    clientSecret: entry.client_secret,
    refreshToken: entry.refresh_token,
    localPassword: entry.local_password,
  };
}

describe('scripts/demo-fakes.js', () => {
  let dir: string;
  let accountsFile: string;
  let ports: Record<(typeof FLAGS)[number], number>;
  let fakes: RunningProcess;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portico-demo-fakes-'));
    accountsFile = join(dir, 'accounts.json');
    ports = Object.fromEntries(
      await Promise.all(FLAGS.map(async (flag) => [flag, await freePort()] as const)),
    ) as typeof ports;
    fakes = spawnNode('scripts/demo-fakes.js', {}, [
      ...FLAGS.map((flag) => `--${flag}=${ports[flag]}`),
      `--accounts-file=${accountsFile}`,
    ]);
    await waitFor('the fakes ready', () => fakes.output().includes('[demo-fakes] ready')).catch(
      (error: Error) => {
        throw new Error(`${error.message}\n${fakes.output()}`);
      },
    );
  });

  afterAll(async () => {
    await fakes.stop('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the demo user a paginated collection with Discogs rate-limit headers', async () => {
    const origin = printedEnv(fakes.output()).SYNC_DEMO_DISCOGS_BASE_URL;
    expect(origin).toBe(`http://127.0.0.1:${ports['discogs-port']}`);
    const [, user, token, releases] = /user (\S+), token (\S+): (\d+) releases/.exec(
      fakes.output(),
    )!;
    const url = `${origin}/users/${user}/collection/folders/0/releases?page=1&per_page=100`;
    const res = await fetch(url, { headers: { authorization: `Discogs token=${token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-discogs-ratelimit')).toBe('60');
    const body = (await res.json()) as { pagination: object; releases: unknown[] };
    expect(body.pagination).toMatchObject({ page: 1, per_page: 100, items: Number(releases) });
    expect(body.releases).toHaveLength(Math.min(100, Number(releases)));
    expect((await fetch(url)).status).toBe(401);
    await waitFor('the request logged', () =>
      fakes.output().includes(`discogs: GET /users/${user}/collection/folders/0/releases 200`),
    );
  });

  it('gives accounts whose mail the relay, configured as printed, delivers with XOAUTH2', async () => {
    const relayEnv = Object.fromEntries(
      Object.entries(printedEnv(fakes.output())).filter(([name]) => name.startsWith('XOAUTH2_')),
    );
    expect(relayEnv).toMatchObject({
      XOAUTH2_ACCOUNTS_FILE: accountsFile,
      XOAUTH2_GMAIL_SMTP_PORT: String(ports['gmail-smtp-port']),
      XOAUTH2_GMAIL_TOKEN_URL: `http://127.0.0.1:${ports['gmail-token-port']}/token`,
      XOAUTH2_OUTLOOK_SMTP_PORT: String(ports['outlook-smtp-port']),
      XOAUTH2_OUTLOOK_TOKEN_URL: `http://127.0.0.1:${ports['outlook-token-port']}/token`,
    });
    const file = JSON.parse(await readFile(accountsFile, 'utf8')) as {
      accounts: Record<string, string>[];
    };
    const accounts = file.accounts.map(asAccount);
    expect(accounts.map((a) => a.provider).sort()).toEqual(['gmail', 'outlook']);
    const [smtpPort, httpPort] = [await freePort(), await freePort()];
    const relay = await spawnReadyApp(
      'mail-relay',
      testEnv({
        HOST: '127.0.0.1',
        MAIL_RELAY_PORT: String(httpPort),
        XOAUTH2_PORT: String(smtpPort),
        XOAUTH2_REGISTRY_REFRESH_MS: '0',
        ...relayEnv,
      }),
      httpPort,
    );
    try {
      for (const account of accounts) {
        const reply = await smtpReplyOf(sendAsApp(smtpPort, account));
        expect([account.email, reply.code]).toEqual([account.email, 250]);
        const delivered = (line: string) =>
          line.startsWith(`[demo-fakes] ${account.provider}: accepted`) &&
          line.endsWith(`(XOAUTH2 user ${account.email})`);
        await waitFor(`${account.provider} delivery logged`, () =>
          fakes.output().split('\n').some(delivered),
        );
      }
    } finally {
      await relay.stop();
    }
  });

  it('refuses an XOAUTH2 login with a token its endpoint never issued', async () => {
    const transport = createTransport({
      host: '127.0.0.1',
      port: ports['gmail-smtp-port'],
      secure: false,
      ignoreTLS: true,
      auth: { type: 'OAuth2', user: 'demo@gmail.test', accessToken: 'never-issued' },
    });
    try {
      const reply = await smtpReplyOf(
        transport.sendMail({ from: 'demo@gmail.test', to: 'friend@example.net', text: 'hello' }),
      );
      expect(reply.code).toBe(535);
    } finally {
      transport.close();
    }
  });

  it('stops on SIGTERM with exit code 0', async () => {
    expect(await fakes.stop('SIGTERM')).toBe(0);
    expect(fakes.output()).toContain('[demo-fakes] stopped');
  });
});
