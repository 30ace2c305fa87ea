import { readdirSync } from 'node:fs';
import { migrations } from './index';

describe('migrations/index.ts', () => {
  it('lists every migration file, oldest first', () => {
    const files = readdirSync(__dirname)
      .filter((f) => /^\d{13}-[A-Za-z0-9]+\.ts$/.test(f))
      .sort();
    const names = files.map((f) => {
      const [, stamp, name] = /^(\d{13})-(.+)\.ts$/.exec(f)!;
      return `${name}${stamp}`;
    });
    expect(migrations.map((m) => m.name)).toEqual(names);
  });
});
