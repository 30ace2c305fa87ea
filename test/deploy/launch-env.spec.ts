import { LAUNCH_ENV_BY_APP, withLaunchEnv } from './support/launch-env';

// One table (scripts/launch-env.js) says which process environment each app is launched with;
// `npm start` applies it here, and docker.spec / kubernetes.spec hold the compose file and every
// overlay to the same values.
describe('launch environment of each app', () => {
  it('bounds the mail relay young generation and malloc arenas (its RSS budget depends on them)', () => {
    expect(LAUNCH_ENV_BY_APP['mail-relay']).toEqual({
      NODE_OPTIONS: expect.stringMatching(/^--max-semi-space-size=\d+$/),
      MALLOC_ARENA_MAX: expect.stringMatching(/^[1-9]\d*$/),
    });
  });

  it('npm start appends NODE_OPTIONS to the caller, keeps what the caller set, adds nothing for others', () => {
    const own = LAUNCH_ENV_BY_APP['mail-relay'];
    expect(withLaunchEnv('mail-relay', { A: '1' })).toEqual({ A: '1', ...own });
    expect(
      withLaunchEnv('mail-relay', { NODE_OPTIONS: '--inspect', MALLOC_ARENA_MAX: '8' }),
    ).toEqual({
      NODE_OPTIONS: `--inspect ${own.NODE_OPTIONS}`,
      MALLOC_ARENA_MAX: '8',
    });
    expect(withLaunchEnv('auth', { A: '1' })).toEqual({ A: '1' });
  });
});
