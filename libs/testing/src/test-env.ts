import { randomBytes } from 'node:crypto';
import { loadToolingConfig, type Env } from '../../config/src';

// Relative imports only: Jest's globalSetup loads this file without the @libs/* name mapper.

/** The test database URL: DATABASE_URL with `_test` appended to its name (unless it has `test`). */
export function testDatabaseUrl(): string {
  const url = new URL(loadToolingConfig().database.url);
  const name = url.pathname.replace(/^\//, '');
  url.pathname = `/${name.includes('test') ? name : `${name}_test`}`;
  assertTestDatabase(url.toString());
  return url.toString();
}

/** Refuses to touch a database whose name does not say it is a test database. */
export function assertTestDatabase(url: string): void {
  const name = new URL(url).pathname.replace(/^\//, '');
  if (!name.includes('test')) throw new Error(`refusing to run tests against database "${name}"`);
}

/** The Redis URL tests use (REDIS_URL); isolation comes from `uniquePrefix()`. */
export function testRedisUrl(): string {
  return loadToolingConfig().redis.url;
}

/** A Redis key prefix no other test uses: `test:<label>:<random>:`. */
export function uniquePrefix(label = 't'): string {
  return `test:${label}:${randomBytes(4).toString('hex')}:`;
}

export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

/** A fixed KEK for tests (32 bytes, base64). */
export const TEST_KEK = Buffer.alloc(32, 7).toString('base64');

/** An environment for booting an app in a test: test database, private Redis prefix, quiet logs. */
export function testEnv(overrides: Env = {}): Env {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATABASE_URL: testDatabaseUrl(),
    REDIS_URL: testRedisUrl(),
    REDIS_KEY_PREFIX: uniquePrefix('app'),
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    PORTICO_KEK: TEST_KEK,
    SHUTDOWN_DRAIN_MS: '0',
    // The mail relay's SMTP listener on a free port: booted apps never fight over 2525.
    XOAUTH2_PORT: '0',
    ...overrides,
  };
}
