import { NODE_OPTIONS_BY_APP, withNodeOptions } from './support/node-options';

// One table (scripts/node-options.js) says which NODE_OPTIONS each app is launched with; `npm
// start` applies it here, and docker.spec / kubernetes.spec hold the compose file and every
// overlay to the same values.
describe('NODE_OPTIONS of each app', () => {
  it('bounds the mail relay young generation (its RSS budget depends on it)', () => {
    expect(NODE_OPTIONS_BY_APP['mail-relay']).toMatch(/^--max-semi-space-size=\d+$/);
  });

  it('npm start appends an app own options to the caller, and adds none for the others', () => {
    const own = NODE_OPTIONS_BY_APP['mail-relay'];
    expect(withNodeOptions('mail-relay', { A: '1' })).toEqual({ A: '1', NODE_OPTIONS: own });
    expect(withNodeOptions('mail-relay', { NODE_OPTIONS: '--inspect' }).NODE_OPTIONS).toBe(
      `--inspect ${own}`,
    );
    expect(withNodeOptions('auth', { A: '1' })).toEqual({ A: '1' });
  });
});
