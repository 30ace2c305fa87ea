import { IntersectionType } from '@nestjs/mapped-types';
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { CommonEnv } from './common.env';
import { ConfigError } from './config.error';
import { KekEnv, kekSection } from './kek.env';
import { validateEnv, type Env } from './validate-env';

class TestEnv extends IntersectionType(CommonEnv, KekEnv) {}

function load(env: Env) {
  const warnings: string[] = [];
  return { kek: kekSection(validateEnv(TestEnv, env), warnings), warnings };
}

const KEK = randomBytes(32).toString('base64');

describe('KEK environment', () => {
  it('requires PORTICO_KEK in production and in tests', () => {
    expect(() => load({ NODE_ENV: 'production' })).toThrow(/PORTICO_KEK: is required/);
    expect(() => load({ NODE_ENV: 'test' })).toThrow(/PORTICO_KEK: is required/);
  });

  it('uses the development KEK only in development, loudly', () => {
    const { kek, warnings } = load({ NODE_ENV: 'development' });
    expect(kek.isDevelopmentDefault).toBe(true);
    expect(kek.current).toHaveLength(32);
    expect(warnings.join()).toMatch(/PORTICO_KEK is not set.*PUBLIC development KEK/);
  });

  it('refuses the development KEK, given explicitly, outside development', () => {
    const devKek = load({ NODE_ENV: 'development' }).kek.current.toString('base64');
    expect(() => load({ NODE_ENV: 'production', PORTICO_KEK: devKek })).toThrow(
      /development KEK is not allowed/,
    );
    expect(() =>
      load({ NODE_ENV: 'production', PORTICO_KEK: KEK, PORTICO_KEK_PREVIOUS: devKek }),
    ).toThrow(/development KEK is not allowed/);
  });

  it('decodes the KEK and former KEKs (standard or URL-safe base64)', () => {
    const previous = randomBytes(32);
    const { kek, warnings } = load({
      PORTICO_KEK: KEK,
      PORTICO_KEK_PREVIOUS: ` ${previous.toString('base64url')} `,
    });
    expect(kek.current.equals(Buffer.from(KEK, 'base64'))).toBe(true);
    expect(kek.previous).toHaveLength(1);
    expect(kek.previous[0].equals(previous)).toBe(true);
    expect(kek.isDevelopmentDefault).toBe(false);
    expect(warnings).toEqual([]);
  });

  it('rejects keys of the wrong size without echoing them', () => {
    const short = randomBytes(16).toString('base64');
    const error = (() => {
      try {
        load({ PORTICO_KEK: short, PORTICO_KEK_PREVIOUS: `${KEK},nonsense` });
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(error?.problems).toEqual([
      expect.stringMatching(/^PORTICO_KEK: must be 32 random bytes in base64/),
      expect.stringMatching(/^PORTICO_KEK_PREVIOUS: must be a comma-separated list/),
    ]);
    expect(error?.message).not.toContain(short);
    expect(error?.message).not.toContain(KEK);
  });

  it('keeps key bytes out of JSON and inspection', () => {
    const { kek } = load({ PORTICO_KEK: KEK });
    expect(JSON.stringify(kek)).not.toContain(KEK);
    expect(JSON.stringify(kek)).toBe('{"isDevelopmentDefault":false,"previous":0}');
    expect(inspect(kek)).not.toContain(Buffer.from(KEK, 'base64').toString('hex').slice(0, 8));
  });
});
