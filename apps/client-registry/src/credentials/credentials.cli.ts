import { parseArgs } from 'node:util';
import { DataSource } from 'typeorm';
import { loadCredentialsCliConfig, type Env } from '@libs/config';
import { KekSet, KeyRing, reencryptAll } from '@libs/crypto';
import { dataSourceOptions } from '@libs/database';
import { AppError } from '@libs/models';
import { CredentialReencryptionSource } from './credential-reencryption.source';
import { failureReason } from './credentials.errors';
import { DataKeyRepository } from './data-key.repository';
import { KEY_RING_REFRESH_MS } from './key-ring.provider';

export const USAGE = `usage: npm run credentials -- <command>

  status                         data keys, which is current, how many credential rows each holds
  rotate                         create a data key and make it current (older keys stay readable)
  reencrypt [--rotate] [--batch-size N]
                                 move every value not under the current key to it (--rotate:
                                 rotate first); safe to interrupt and run again
  retire <keyId>                 delete a data key that no value uses any more
  rewrap                         rewrap every data key with PORTICO_KEK (after a KEK change)

environment: DATABASE_URL, PORTICO_KEK, PORTICO_KEK_PREVIOUS, NODE_ENV`;

const OPTIONS = {
  rotate: { type: 'boolean' },
  'batch-size': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Command =
  | { name: 'status' | 'rotate' | 'rewrap' }
  | { name: 'reencrypt'; rotate: boolean; batchSize: number }
  | { name: 'retire'; keyId: string };

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

interface CliContext {
  ring: KeyRing;
  store: DataKeyRepository;
  source: CredentialReencryptionSource;
  io: CliIo;
}

/** A command-line failure: usage problems exit 2, refused or failed operations 1. */
class CliError extends AppError<'usage' | 'failed'> {}

/** Runs one command line; resolves with the exit code (0 ok, 1 failed, 2 usage). */
export async function runCredentialsCli(
  argv: readonly string[],
  io: CliIo,
  env?: Env,
): Promise<number> {
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
    const command = parseCommand(positionals, values);
    const config = loadCredentialsCliConfig(env);
    for (const warning of config.warnings) io.err(`warning: ${warning}`);
    const dataSource = await new DataSource(
      dataSourceOptions({ ...config.database, poolSize: 2 }),
    ).initialize();
    try {
      const store = new DataKeyRepository(dataSource);
      // No periodic refresh: the command is short-lived and the only writer of keys it reads.
      const ring = await KeyRing.open(KekSet.fromConfig(config.kek), store, { refreshMs: 0 });
      await execute(command, {
        ring,
        store,
        source: new CredentialReencryptionSource(dataSource),
        io,
      });
    } finally {
      await dataSource.destroy();
    }
    return 0;
  } catch (error) {
    return report(io, error);
  }
}

function parseCommand(
  [name, ...rest]: string[],
  values: { rotate?: boolean; 'batch-size'?: string },
): Command {
  const extra =
    rest.length > 0 || (name !== 'reencrypt' && (values.rotate || values['batch-size']));
  if (name === 'retire' && rest.length === 1) return { name, keyId: rest[0] };
  if (extra) throw new CliError('usage', `unexpected arguments for ${name}`);
  if (name === 'status' || name === 'rotate' || name === 'rewrap') return { name };
  if (name === 'reencrypt') {
    const batchSize = Number(values['batch-size'] ?? '100');
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
      throw new CliError('usage', '--batch-size must be an integer from 1 to 10000');
    }
    return { name, rotate: values.rotate === true, batchSize };
  }
  throw new CliError('usage', `unknown or incomplete command: ${[name, ...rest].join(' ')}`);
}

async function execute(command: Command, ctx: CliContext): Promise<void> {
  const { ring, io } = ctx;
  switch (command.name) {
    case 'status':
      return status(ctx);
    case 'rotate':
      io.out(`data key ${await ring.rotate()} is now current`);
      return;
    case 'reencrypt':
      return reencrypt(ctx, command.rotate, command.batchSize);
    case 'retire':
      return retire(ctx, command.keyId);
    case 'rewrap':
      io.out(`${await ring.rewrapKeys()} data keys rewrapped`);
      return;
  }
}

async function status({ store, source, io }: CliContext): Promise<void> {
  const rows = await source.rowsPerKey();
  for (const key of await store.list()) {
    const flag = key.current ? 'current' : '       ';
    const kek = KekSet.kekIdOf(key.wrapped);
    io.out(
      `${key.keyId}  ${flag}  created ${key.createdAt.toISOString()}  ${kek}  rows ${rows.get(key.keyId) ?? 0}`,
    );
  }
  io.out(`rows with values under several keys (mid re-encryption): ${rows.get(null) ?? 0}`);
}

async function reencrypt(ctx: CliContext, rotate: boolean, batchSize: number): Promise<void> {
  const { ring, source, io } = ctx;
  if (rotate) io.out(`data key ${await ring.rotate()} is now current`);
  const report = await reencryptAll(ring, source, { batchSize });
  io.out(
    `re-encryption to ${report.targetKeyId}: ${report.reencrypted} of ${report.scanned} values moved, ` +
      `${report.changedConcurrently} changed meanwhile, ${report.failed.length} unreadable`,
  );
  for (const { ref, code } of report.failed) io.err(`unreadable: ${ref} (${code})`);
  if (report.failed.length > 0) {
    throw new CliError(
      'failed',
      `${report.failed.length} values could not be decrypted and were left as they are`,
    );
  }
}

async function retire({ ring, store, io }: CliContext, keyId: string): Promise<void> {
  const keys = await store.list();
  const current = keys.find((k) => k.current);
  if (!keys.some((k) => k.keyId === keyId)) throw new CliError('failed', `no data key ${keyId}`);
  // Pods learn of a rotation on their next refresh; until then they still write with the old key.
  const settleMs = 2 * KEY_RING_REFRESH_MS;
  if (current && Date.now() - current.createdAt.getTime() < settleMs) {
    throw new CliError(
      'failed',
      `data key ${current.keyId} became current less than ${settleMs / 1000} s ago: wait until every ` +
        'registry has refreshed its key ring, run reencrypt again, then retire',
    );
  }
  await ring.retire(keyId);
  io.out(`data key ${keyId} retired`);
}

function report(io: CliIo, error: unknown): number {
  const { code } = (error ?? {}) as { code?: unknown };
  const text = failureReason(error);
  // parseArgs throws errors coded ERR_PARSE_ARGS_* for unknown options and missing values.
  const usage = code === 'usage' || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'));
  io.err(`credentials: ${text}`);
  if (usage) io.err(USAGE);
  return usage ? 2 : 1;
}
