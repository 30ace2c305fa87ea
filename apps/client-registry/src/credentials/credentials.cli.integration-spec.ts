import type { Env } from '@libs/config';
import { Kek } from '@libs/crypto';
import { TEST_KEK } from '@libs/testing';
import {
  credentialStore,
  putRequest,
  scratchDatabase,
  type ScratchDatabase,
} from '../../test/credentials-fixtures';
import { parsePutCredentials } from './credential-requests';
import { runCredentialsCli } from './credentials.cli';

describe('credentials command line (PostgreSQL)', () => {
  let db: ScratchDatabase;
  const env = (kek = TEST_KEK, previous?: string): Env => ({
    NODE_ENV: 'test',
    DATABASE_URL: db.url,
    PORTICO_KEK: kek,
    ...(previous ? { PORTICO_KEK_PREVIOUS: previous } : {}),
  });

  async function cli(
    args: string[],
    vars = env(),
  ): Promise<{ code: number; out: string; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCredentialsCli(
      args,
      { out: (l) => out.push(l), err: (l) => err.push(l) },
      vars,
    );
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  beforeAll(async () => {
    db = await scratchDatabase();
  });

  afterAll(async () => {
    await db.drop();
  });

  it('checks the command line before touching anything', async () => {
    expect(await cli(['--help'])).toMatchObject({
      code: 0,
      out: expect.stringContaining('usage: npm run credentials'),
    });
    for (const args of [
      ['bogus'],
      ['status', 'extra'],
      ['retire'],
      ['rotate', '--rotate'],
      ['reencrypt', '--batch-size', '0'],
      ['status', '--nope'],
    ]) {
      expect(await cli(args, { DATABASE_URL: 'postgres://nowhere.invalid/x_test' })).toMatchObject({
        code: 2,
      });
    }
  });

  it('retires a key once nothing uses it and the current key has been current long enough', async () => {
    const { ring, service } = await credentialStore(db.dataSource);
    const old = ring.currentKeyId;
    await service.put(parsePutCredentials(putRequest('discogs')));
    const rotated = await cli(['rotate']);
    expect(rotated.code).toBe(0);
    expect((await cli(['retire', old])).err).toContain('became current less than 120 s ago');
    // As if the rotation happened an hour ago: every pod has refreshed since.
    await db.dataSource.query(
      `UPDATE client_registry.data_keys SET created_at = created_at - interval '1 hour'`,
    );
    expect((await cli(['retire', old])).err).toContain(
      `data key ${old} still encrypts values in 1 rows`,
    );
    expect((await cli(['reencrypt'])).out).toContain('1 of 1 values moved');
    expect(await cli(['retire', old])).toMatchObject({ code: 0, out: `data key ${old} retired` });
    expect((await cli(['status'])).out).not.toContain(old);
    expect((await cli(['retire', old])).err).toContain(`no data key ${old}`);
  });

  it('rewraps every data key with a new KEK, the former one given as previous', async () => {
    const next = Buffer.alloc(32, 11).toString('base64');
    expect((await cli(['rewrap'], env(next))).err).toContain(
      'not configured (PORTICO_KEK_PREVIOUS?)',
    );
    const rewrapped = await cli(['rewrap'], env(next, TEST_KEK));
    expect(rewrapped).toMatchObject({
      code: 0,
      out: expect.stringMatching(/^[1-9]\d* data keys rewrapped$/),
    });
    const status = await cli(['status'], env(next));
    expect(status.code).toBe(0);
    expect(status.out).toContain(new Kek(Buffer.from(next, 'base64')).id);
    expect(status.out).not.toContain(new Kek(Buffer.from(TEST_KEK, 'base64')).id);
  });
});
