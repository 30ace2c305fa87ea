import { DataSource } from 'typeorm';
import { loadAuthConfig, processEnv, type Env } from '@libs/config';
import { dataSourceOptions } from '@libs/database';
import { SigningKeyRepository } from './signing-key.repository';
import { SigningKeys } from './signing-keys';

export const KEYS_USAGE = `usage: npm run keys -- <command>

  status    the signing keys: kid, algorithm, state (next, current, retired) and their times
  rotate    publish a next key now; every auth pod signs with it once it has been in JWKS for
            KEY_PUBLISH_AHEAD seconds, and the current key stays published, retired, for the
            longest token lifetime (idempotent: a next key already waiting is kept)

environment: the auth variables (DATABASE_URL, PORTICO_KEK, SIGNING_ALG, KEY_PUBLISH_AHEAD, ...)`;

export interface KeysCliIo {
  out(line: string): void;
  err(line: string): void;
}

const iso = (d: Date | null) => (d ? d.toISOString() : '-');

/** Runs one command line; resolves with the exit code (0 ok, 1 failed, 2 usage). */
export async function runKeysCli(
  argv: readonly string[],
  io: KeysCliIo,
  env: Env = processEnv(),
): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h') {
    io.out(KEYS_USAGE);
    return 0;
  }
  if ((command !== 'status' && command !== 'rotate') || rest.length > 0) {
    io.err(KEYS_USAGE);
    return 2;
  }
  let dataSource: DataSource | undefined;
  try {
    const config = loadAuthConfig(env);
    dataSource = await new DataSource(dataSourceOptions(config.database)).initialize();
    const repository = new SigningKeyRepository(dataSource);
    if (command === 'rotate') {
      const kid = await new SigningKeys(repository, config.token, config.kek).startRotation();
      io.out(`next signing key ${kid} published; it signs after ${config.token.keyPublishAhead} s`);
    }
    const keys = await repository.withRotationLock((manager) => repository.all(manager));
    for (const k of keys) {
      io.out(
        `${k.kid}  ${k.alg.padEnd(5)}  ${k.state.padEnd(7)}  created ${iso(k.created_at)}  ` +
          `activated ${iso(k.activated_at)}  published until ${iso(k.remove_after)}`,
      );
    }
    if (keys.length === 0) io.out('no signing keys yet (auth creates one when it first starts)');
    return 0;
  } catch (error) {
    // Config errors name variables, never values; anything else is a database failure.
    io.err(`keys ${command} failed: ${(error as Error).message}`);
    return 1;
  } finally {
    await dataSource?.destroy();
  }
}
