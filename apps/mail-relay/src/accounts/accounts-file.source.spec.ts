import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { MailAccountsConfig } from '@libs/config';
import { mailTestAccount, waitFor, writeAccountsFile } from '@libs/testing';
import { RelayMetrics } from '../relay/relay.metrics';
import type { AccountDefinition } from './account-source';
import { FileAccountSource } from './accounts-file.source';

describe('accounts file source', () => {
  let dir: string;
  let file: string;
  let source: FileAccountSource | undefined;
  const snapshots: (readonly AccountDefinition[])[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'accounts-source-'));
    file = join(dir, 'accounts.json');
    snapshots.length = 0;
  });

  afterEach(async () => {
    await source?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const start = (pollMs = 60_000) => {
    source = new FileAccountSource(
      new MailAccountsConfig(file, pollMs, 0),
      new RelayMetrics(new Registry()),
    );
    return source.start((accounts) => snapshots.push(accounts));
  };

  it('loads the file, then follows atomic replacements', async () => {
    const [a, b] = [mailTestAccount('gmail'), mailTestAccount('outlook')];
    await writeAccountsFile(file, [a]);
    expect((await start()).map((x) => x.email)).toEqual([a.email]);
    await writeAccountsFile(file, [a, b]);
    await waitFor('reload', () => snapshots.length === 1, 5_000);
    expect(snapshots[0].map((x) => x.email)).toEqual([a.email, b.email]);
  });

  it('refuses to start on an invalid file', async () => {
    await writeAccountsFile(file, '{"accounts": [{}]}');
    await expect(start()).rejects.toThrow(/invalid accounts file/);
  });

  it('starts empty without a file and picks it up once it appears (poll)', async () => {
    await expect(start(100)).resolves.toEqual([]);
    await writeAccountsFile(file, [mailTestAccount('gmail')]);
    await waitFor('file appears', () => snapshots.length === 1, 5_000);
  });

  it('skips an invalid update and a vanished file, keeping what it had', async () => {
    const a = mailTestAccount('gmail');
    await writeAccountsFile(file, [a]);
    await start();
    await writeAccountsFile(file, 'not json');
    await source!.reload();
    await rm(file);
    await source!.reload();
    expect(snapshots).toEqual([]);
    await writeAccountsFile(file, [a, mailTestAccount('gmail')]);
    await source!.reload();
    expect(snapshots).toHaveLength(1);
  });
});
