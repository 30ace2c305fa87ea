import { parseArgs } from 'node:util';
import { ConfigError, type MailRelayOverrides } from '@libs/config';

export const USAGE = `usage: mail-relay [options]  (every option also has an environment variable)
  --config <file>               accounts file              (XOAUTH2_ACCOUNTS_FILE, default accounts.json)
  --host <address>              SMTP bind address          (XOAUTH2_HOST, default HOST)
  --port <port>                 SMTP port                  (XOAUTH2_PORT, default 2525)
  --global-concurrency <n>      upstream deliveries at once (XOAUTH2_GLOBAL_CONCURRENCY, default 200)
  --dry-run                     accept but never deliver   (XOAUTH2_DRY_RUN)
  --help                        this text`;

/** True when the command line asks for the usage text. */
export const wantsHelp = (argv: readonly string[]) =>
  argv.includes('--help') || argv.includes('-h');

/** The command line as config overrides (flags win over the environment); bad flags are a ConfigError. */
export function parseRelayFlags(argv: readonly string[]): MailRelayOverrides {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        config: { type: 'string' },
        host: { type: 'string' },
        port: { type: 'string' },
        'global-concurrency': { type: 'string' },
        'dry-run': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new ConfigError([`command line: ${(error as Error).message}`, USAGE]);
  }
  const text = (v: string | boolean | undefined) => (typeof v === 'string' ? v : undefined);
  return {
    accountsFile: text(values.config),
    host: text(values.host),
    port: text(values.port),
    globalConcurrency: text(values['global-concurrency']),
    dryRun: values['dry-run'] === true ? true : undefined,
  };
}
