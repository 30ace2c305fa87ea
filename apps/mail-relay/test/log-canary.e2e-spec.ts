import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  spawnMailRelay,
  startFakeMailProviders,
  writeAccountsFile,
  type FakeMailProviders,
  type MailRelayProcess,
  type MailTestAccount,
} from '@libs/testing';

/** Every base64 run in the text, decoded (AUTH PLAIN and XOAUTH2 strings travel as base64). */
function decodedBase64Runs(text: string): string[] {
  return [...text.matchAll(/[A-Za-z0-9+/]{24,}={0,2}/g)].map((m) =>
    Buffer.from(m[0], 'base64').toString('latin1'),
  );
}

// A real relay process at debug level, through every path that touches a secret.
describe('mail relay logs at debug level', () => {
  let fakes: FakeMailProviders;
  let relay: MailRelayProcess;
  let dir: string;
  let gmail: MailTestAccount;
  let outlook: MailTestAccount;
  let revoked: MailTestAccount;

  beforeAll(async () => {
    fakes = await startFakeMailProviders();
    dir = await mkdtemp(join(tmpdir(), 'mail-canary-'));
    // `revoked` is unknown to its token endpoint: its refresh ends in invalid_grant.
    [gmail, outlook, revoked] = [
      fakes.account('gmail'),
      fakes.account('outlook'),
      fakes.account('gmail', { known: false }),
    ];
    await writeAccountsFile(join(dir, 'accounts.json'), [gmail, outlook, revoked]);
    relay = await spawnMailRelay(fakes, join(dir, 'accounts.json'), { LOG_LEVEL: 'debug' });
    await relay.ready();
  }, 60_000);

  afterAll(async () => {
    await relay?.process.stop('SIGKILL');
    await fakes?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('never contain a token, a password, a client secret or an XOAUTH2 string', async () => {
    expect((await relay.send(gmail)).code).toBe(250);
    expect((await relay.send(outlook)).code).toBe(250);
    fakes.tokens.gmail.expireTokens();
    fakes.upstreams.gmail.dropConnections();
    expect((await relay.send(gmail)).code).toBe(250);
    expect((await relay.send(gmail, { password: 'canary-wrong-password' })).code).toBe(535);
    expect((await relay.send(revoked)).code).toBe(451);
    fakes.upstreams.outlook.rejectRecipients.set('friend@example.net', {
      code: 550,
      text: '5.1.1 unknown',
    });
    expect((await relay.send(outlook)).code).toBe(550);
    expect(await relay.process.stop('SIGTERM')).toBe(0);

    const output = relay.process.output();
    expect(output).toContain('"level":"debug"');
    expect(output).toContain('invalid_grant');
    expect(output).not.toMatch(/canary/i);
    expect(output).not.toMatch(/Bearer|auth=/);
    const decoded = decodedBase64Runs(output);
    expect(decoded.filter((d) => /canary|Bearer|auth=/.test(d))).toEqual([]);
  }, 60_000);
});
