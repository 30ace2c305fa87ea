import { processEnv } from '../../config/src';
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { ensureDatabase } from '../../database/src/ensure-database';
import { migrationDataSource } from '../../../migrations/data-source';
import { freePort, waitFor } from './processes';
import { assertTestDatabase } from './test-env';

const run = promisify(execFile);

/** The uid/gid PostgreSQL runs as: itself when not root (initdb and postgres refuse root). */
interface Owner {
  uid: number;
  gid: number;
}

/**
 * A throwaway PostgreSQL cluster (initdb into a temp dir, trust auth, 127.0.0.1 on its own
 * port) with a migrated test database, for tests that stop and restart PostgreSQL without
 * touching the shared server.
 */
export class PrivatePostgres {
  private process: ChildProcess | undefined;
  private recentLog = '';
  // If the test runner exits without destroy(), the postmaster must not outlive it.
  private readonly stopOnExit = () => this.process?.kill('SIGQUIT');

  private constructor(
    readonly port: number,
    readonly database: string,
    private readonly dir: string,
    private readonly bin: string,
    private readonly owner: Owner | undefined,
  ) {}

  /** Creates, starts and migrates a cluster; `database` must name a test database. */
  static async start(database = 'portico_test'): Promise<PrivatePostgres> {
    const owner = process.getuid?.() === 0 ? postgresOwner() : undefined;
    const dir = await mkdtemp(join(tmpdir(), 'portico-pg-'));
    const server = new PrivatePostgres(await freePort(), database, dir, binDir(), owner);
    assertTestDatabase(server.url);
    try {
      if (owner) await chown(dir, owner.uid, owner.gid);
      await server.initdb();
      await server.resume();
      await server.migrate();
      return server;
    } catch (error) {
      await server.destroy();
      throw error;
    }
  }

  /** URL of the test database (superuser `postgres`, no password). */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${this.database}`;
  }

  /** (Re)starts the server on the same port and data dir and waits until it answers. */
  async resume(): Promise<void> {
    if (this.running) return;
    // Crash recovery after an immediate stop replays the WAL, so committed rows survive.
    this.process = spawn(
      join(this.bin, 'postgres'),
      ['-D', this.dataDir, ...serverOptions(this.port, this.dir)],
      {
        cwd: this.dir,
        env: { PATH: processEnv().PATH, LC_ALL: 'C' },
        stdio: ['ignore', 'ignore', 'pipe'],
        ...this.owner,
      },
    );
    this.process.stderr?.on(
      'data',
      (d: Buffer) => (this.recentLog = (this.recentLog + d.toString()).slice(-4_000)),
    );
    this.process.once('error', (error) => (this.recentLog += `\n${error.message}`));
    process.once('exit', this.stopOnExit);
    await waitFor(`postgres on ${this.port}`, () => this.answers(), 30_000).catch(
      (error: Error) => {
        throw new Error(`${error.message}\n${this.recentLog}`);
      },
    );
  }

  /** Stops the server like a crash (`pg_ctl stop -m immediate`: no checkpoint) and waits. */
  async stop(): Promise<void> {
    const proc = this.process;
    if (!proc || !this.running) return;
    const exited = new Promise((done) => proc.once('exit', done));
    proc.kill('SIGQUIT');
    await exited;
    process.off('exit', this.stopOnExit);
  }

  /** Stops the server and removes the cluster. */
  async destroy(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }

  /** The last few kilobytes of the server's log, for failure messages. */
  get log(): string {
    return this.recentLog;
  }

  private get running(): boolean {
    return !!this.process && this.process.exitCode === null && this.process.signalCode === null;
  }

  private get dataDir(): string {
    return join(this.dir, 'data');
  }

  private async initdb(): Promise<void> {
    const args = [
      '-D',
      this.dataDir,
      '-U',
      'postgres',
      '-A',
      'trust',
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
    ];
    await run(join(this.bin, 'initdb'), args, {
      cwd: this.dir,
      env: { PATH: processEnv().PATH },
      ...this.owner,
    });
  }

  private async answers(): Promise<boolean> {
    const client = new Client({
      connectionString: this.url.replace(/\/[^/]*$/, '/postgres'),
      connectionTimeoutMillis: 1_000,
    });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /** Creates the database and applies every migration, as `npm run migration:run` does. */
  private async migrate(): Promise<void> {
    await ensureDatabase(this.url);
    const dataSource = await migrationDataSource(this.url).initialize();
    await dataSource.runMigrations({ transaction: 'each' }).finally(() => dataSource.destroy());
  }
}

/** Server settings: TCP on 127.0.0.1 only, its socket in the temp dir, no fsync (tests only). */
function serverOptions(port: number, dir: string): string[] {
  const settings = {
    port,
    listen_addresses: '127.0.0.1',
    unix_socket_directories: dir,
    fsync: 'off',
  };
  return Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]);
}

/** The newest installed server's bin dir (Debian layout), else whatever PATH finds. */
function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    : [];
  versions.sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? join(root, versions[0], 'bin') : '';
}

function postgresOwner(): Owner {
  const id = (flag: string) =>
    Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}
