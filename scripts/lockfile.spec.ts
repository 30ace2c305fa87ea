import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { missingOptionalEntries } = require('./fix-lockfile.js') as {
  missingOptionalEntries(lock: unknown): Record<string, unknown>;
};

describe('package-lock.json', () => {
  it('records every optional platform package so `npm ci` accepts it (run scripts/fix-lockfile.js)', () => {
    const lock: unknown = JSON.parse(
      readFileSync(resolve(__dirname, '../package-lock.json'), 'utf8'),
    );
    expect(Object.keys(missingOptionalEntries(lock))).toEqual([]);
  });
});
