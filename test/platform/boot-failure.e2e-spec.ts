import { spawnApp, testEnv } from '@libs/testing';
import { APPS } from './apps';

describe.each(APPS)('$name with a bad environment', ({ name }) => {
  it('refuses to start and names every bad variable, without echoing values', async () => {
    const proc = spawnApp(name, testEnv({ DATABASE_URL: 'notaurl', LOG_LEVEL: 'chatty' }));
    const code = await proc.exited;
    expect(code).toBe(1);
    expect(proc.output()).toMatch(/DATABASE_URL: must be a URL starting with postgres:/);
    expect(proc.output()).toMatch(/LOG_LEVEL: /);
    expect(proc.output()).not.toContain('notaurl');
  });
});
