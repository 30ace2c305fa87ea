import { ConfigError } from '@libs/config';
import { parseRelayFlags, wantsHelp } from './cli-flags';

describe('relay command line', () => {
  it('turns the documented flags into config overrides', () => {
    expect(
      parseRelayFlags([
        '--config',
        '/etc/relay/accounts.json',
        '--host',
        '127.0.0.1',
        '--port=2526',
        '--global-concurrency',
        '50',
        '--dry-run',
      ]),
    ).toEqual({
      accountsFile: '/etc/relay/accounts.json',
      host: '127.0.0.1',
      port: '2526',
      globalConcurrency: '50',
      dryRun: true,
    });
  });

  it('leaves unset flags to the environment', () => {
    expect(parseRelayFlags([])).toEqual({
      accountsFile: undefined,
      host: undefined,
      port: undefined,
      globalConcurrency: undefined,
      dryRun: undefined,
    });
  });

  it('refuses unknown flags and stray arguments with the usage text', () => {
    expect(() => parseRelayFlags(['--prot', '25'])).toThrow(ConfigError);
    expect(() => parseRelayFlags(['accounts.json'])).toThrow(/usage: mail-relay/);
  });

  it('recognises a request for help', () => {
    expect(wantsHelp(['--help'])).toBe(true);
    expect(wantsHelp(['-h'])).toBe(true);
    expect(wantsHelp(['--port', '25'])).toBe(false);
  });
});
