import { parseArgs } from 'node:util';
import { loadAdminCliConfig, type Env } from '@libs/config';
import { Streams } from '@libs/messaging';
import { closeRedis, createRedis, Keyspace } from '@libs/redis';
import { AdminCliError, AdminCliErrorCode } from './admin-cli.errors';
import type { CliContext } from './cli-context';
import { deleteCommand, listCommand, replayCommand } from './dlq.command';
import { publishCommand } from './publish.command';

export const USAGE = `usage: npm run admin -- <command>

  publish <file.json> [--dry-run]    validate the event(s) in the file (one object or an array of
                                     {type, payload, id?, occurredAt?, correlationId?}); publish
                                     them to ${Streams.AdminClientEvents} only if all are valid
  dlq list [--count N] [--after ID] [--json]
                                     show dead letters, oldest first
  dlq replay (--all | <dlqId>...)    move dead letters back to their stream
  dlq delete <dlqId>...              drop dead letters that must never be applied

  --stream NAME   the DLQ commands' source stream (default ${Streams.AdminClientEvents})

environment: REDIS_URL, REDIS_KEY_PREFIX, ADMIN_EVENTS_MAX_LEN (MAXLEN ~ of publish and replay)`;

const OPTIONS = {
  'dry-run': { type: 'boolean' },
  json: { type: 'boolean' },
  all: { type: 'boolean' },
  count: { type: 'string' },
  after: { type: 'string' },
  stream: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

/** Runs one command line; resolves with the process exit code (0 ok, 1 failed, 2 usage). */
export async function runAdminCli(argv: readonly string[], io: CliIo, env?: Env): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: OPTIONS,
      allowPositionals: true,
    });
    if (values.help || positionals.length === 0) {
      io.out(USAGE);
      return 0;
    }
    const settings = loadAdminCliConfig(env);
    const redis = createRedis(settings.redis);
    const ctx: CliContext = {
      redis,
      keyspace: new Keyspace(settings.redis.keyPrefix),
      maxLen: settings.cli.maxLen,
      out: io.out,
    };
    try {
      await dispatch(ctx, positionals, values);
    } finally {
      await closeRedis(redis);
    }
    return 0;
  } catch (error) {
    return report(io, error);
  }
}

type Values = ReturnType<
  typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>
>['values'];

function dispatch(
  ctx: CliContext,
  [command, sub, ...rest]: string[],
  values: Values,
): Promise<void> {
  const stream = values.stream ?? Streams.AdminClientEvents;
  if (command === 'publish' && sub && rest.length === 0)
    return publishCommand(ctx, sub, values['dry-run'] === true);
  if (command === 'dlq' && sub === 'list' && rest.length === 0)
    return listCommand(ctx, {
      stream,
      count: positiveInt(values.count ?? '20'),
      after: values.after,
      json: values.json === true,
    });
  if (command === 'dlq' && sub === 'replay' && (values.all === true) !== rest.length > 0)
    return replayCommand(ctx, stream, values.all ? 'all' : rest);
  if (command === 'dlq' && sub === 'delete' && rest.length > 0)
    return deleteCommand(ctx, stream, rest);
  throw new AdminCliError(
    AdminCliErrorCode.Usage,
    `unknown or incomplete command: ${[command, sub, ...rest].filter(Boolean).join(' ')}`,
  );
}

function positiveInt(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 10_000)
    throw new AdminCliError(AdminCliErrorCode.Usage, '--count must be an integer from 1 to 10000');
  return n;
}

function report(io: CliIo, error: unknown): number {
  if (error instanceof AdminCliError) {
    io.err(`admin: ${error.message}`);
    if (error.code === AdminCliErrorCode.Usage) io.err(USAGE);
    return error.exitCode;
  }
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : String(error);
  // parseArgs throws errors coded ERR_PARSE_ARGS_* for unknown options and missing values.
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
    io.err(`admin: ${text}\n${USAGE}`);
    return 2;
  }
  io.err(`admin: ${text}`);
  return 1;
}
