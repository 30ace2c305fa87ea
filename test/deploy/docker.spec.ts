import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import {
  loadMailRelayConfig,
  loadSyncOrchestratorConfig,
  MAIL_PROVIDERS,
  MailRelayEnv,
  SyncOrchestratorEnv,
  ToolingEnv,
} from '@libs/config';
import { APP_CONFIG, declaredVariables, undeclared } from './support/app-config';
import {
  commandFlags,
  mergeCompose,
  parseCompose,
  serviceEnv as env,
  volumeMount,
} from './support/compose';
import { parseDockerfile, type Instruction, type Stage } from './support/dockerfile';
import { PORTICO_APPS, type PorticoApp } from './support/manifests';
import { launchEnvOf } from './support/launch-env';

// The Docker engine is not part of the test environment: the compose file and the Dockerfile
// are checked statically, against the repository and the apps' own configuration.

const ROOT = resolve(__dirname, '../..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

/** Each app's config with nothing set: the fixed-interface defaults. */
const defaults = (app: PorticoApp) => APP_CONFIG[app].load({ NODE_ENV: 'development' });

describe('docker-compose.yml', () => {
  const { services } = parseCompose(read('docker-compose.yml'));

  it('runs the stores, the migration and the five apps; anything else only in the demo profile', () => {
    const core = ['postgres', 'redis', 'migrate', ...PORTICO_APPS];
    expect(Object.keys(services)).toEqual(expect.arrayContaining(core));
    const entries = Object.entries(services);
    const outsideDemo = entries.filter(
      ([name, s]) => !core.includes(name) && s.profiles?.join() !== 'demo',
    );
    expect(outsideDemo).toEqual([]);
    expect(entries.filter(([, s]) => !s.image && !s.build)).toEqual([]);
  });

  it('publishes the stores on loopback only', () => {
    const ports = [...(services.postgres.ports ?? []), ...(services.redis.ports ?? [])];
    expect(ports.filter((p) => !p.startsWith('127.0.0.1:'))).toEqual([]);
  });

  it('keeps Redis durable and never evicting', () => {
    const command = services.redis.command!.join(' ');
    expect(command).toContain('--appendonly yes');
    expect(command).toContain('--appendfsync everysec');
    expect(command).toContain('--maxmemory-policy noeviction');
  });

  it('starts each service after healthy dependencies that exist', () => {
    const problems = Object.entries(services).flatMap(([name, service]) =>
      Object.entries(service.depends_on ?? {})
        .filter(
          ([target, { condition }]) =>
            !services[target] || (condition === 'service_healthy' && !services[target].healthcheck),
        )
        .map(([target]) => `${name} -> ${target}`),
    );
    expect(problems).toEqual([]);
    expect(services.migrate.depends_on?.postgres.condition).toBe('service_healthy');
  });

  it.each(PORTICO_APPS)('%s: image, command, health check, ports and environment', (app) => {
    const service = services[app];
    expect(service).toMatchObject({ build: '.', command: [app] });
    expect(service.healthcheck?.test).toEqual([
      'CMD',
      'node',
      'scripts/container.js',
      'healthcheck',
    ]);
    expect(service.depends_on).toMatchObject({
      migrate: { condition: 'service_completed_successfully' },
      redis: { condition: 'service_healthy' },
    });
    expect(undeclared(env(service), APP_CONFIG[app].schema)).toEqual([]);
    expect(env(service)).toMatchObject(launchEnvOf(app));
    const config = APP_CONFIG[app].load(env(service));
    const expected = [config.http.port, config.smtp?.port].filter((p) => p !== undefined);
    expect(config.http.port).toBe(defaults(app).http.port);
    expect(service.ports).toEqual(expected.map((p) => `${p}:${p}`));
    const { drainMs, timeoutMs } = config.shutdown;
    expect(parseInt(service.stop_grace_period!, 10) * 1000).toBeGreaterThan(drainMs + timeoutMs);
  });

  it('points the apps at the compose PostgreSQL, Redis and auth', () => {
    const postgres = services.postgres.environment!;
    for (const name of ['migrate', ...PORTICO_APPS]) {
      const database = new URL(env(services[name]).DATABASE_URL!);
      expect([name, database.hostname, database.password, database.pathname]).toEqual([
        name,
        'postgres',
        postgres.POSTGRES_PASSWORD,
        `/${postgres.POSTGRES_DB}`,
      ]);
    }
    for (const app of PORTICO_APPS)
      expect(new URL(env(services[app]).REDIS_URL!).hostname).toBe('redis');
    const jwks = new URL(env(services['sync-orchestrator']).SYNC_JWKS_URL!);
    expect(jwks.host).toBe(`auth:${defaults('auth').http.port}`);
    expect(undeclared(env(services.migrate), ToolingEnv)).toEqual([]);
  });
});

describe('the demo profile (docker-compose.yml with docker-compose.demo.yml)', () => {
  const base = parseCompose(read('docker-compose.yml'));
  const override = parseCompose(read('docker-compose.demo.yml'));
  const services = mergeCompose(base, override).services;
  const fakes = { discogs: base.services['demo-discogs'], mail: base.services['demo-mail'] };

  it('runs the fakes script from the Dockerfile demo target, in the demo profile only', () => {
    for (const [fake, service] of Object.entries(fakes)) {
      expect(service).toMatchObject({
        profiles: ['demo'],
        build: { context: '.', target: 'demo' },
        command: expect.arrayContaining([fake]) as unknown,
      });
      // Never tagged as the app image, which the apps would then run.
      expect(service.image).not.toBe(base.services.auth.image);
    }
    expect(existsSync(join(ROOT, 'scripts/demo-fakes.js'))).toBe(true);
  });

  it('changes only the two apps that use the fakes and adds no service', () => {
    expect(Object.keys(override.services).sort()).toEqual(['mail-relay', 'sync-orchestrator']);
    expect(undeclared(env(services['sync-orchestrator']), SyncOrchestratorEnv)).toEqual([]);
    expect(undeclared(env(services['mail-relay']), MailRelayEnv)).toEqual([]);
  });

  it('points the /sync/ page at the fake Discogs, published on loopback for the browser', () => {
    const flags = commandFlags(fakes.discogs.command);
    const port = Number(flags['discogs-port']);
    // Bound to every interface of its container, so that the published port reaches it.
    expect(flags['discogs-host']).toBe('0.0.0.0');
    expect(fakes.discogs.ports).toEqual([`127.0.0.1:${port}:${port}`]);
    const config = loadSyncOrchestratorConfig(env(services['sync-orchestrator']));
    expect(config.web.demoDiscogsBaseUrl).toBe(`http://127.0.0.1:${port}`);
    const plain = loadSyncOrchestratorConfig(env(base.services['sync-orchestrator']));
    expect(plain.web.demoDiscogsBaseUrl).toBeUndefined();
  });

  it('has the relay deliver to the fake providers on its own loopback', () => {
    expect(fakes.mail.network_mode).toBe('service:mail-relay');
    const flags = commandFlags(fakes.mail.command);
    const config = loadMailRelayConfig(env(services['mail-relay']));
    for (const provider of MAIL_PROVIDERS) {
      const { smtpHost, smtpPort, tls, tokenUrl } = config.upstream.providers[provider];
      expect({ provider, smtpHost, smtpPort, tls, tokenUrl }).toEqual({
        provider,
        smtpHost: '127.0.0.1',
        smtpPort: Number(flags[`${provider}-smtp-port`]),
        tls: 'none',
        tokenUrl: `http://127.0.0.1:${flags[`${provider}-token-port`]}/token`,
      });
    }
    // One network namespace: the fakes' ports must not be the relay's.
    const ports = [config.http.port, config.smtp.port];
    ports.push(
      ...Object.entries(flags)
        .filter(([f]) => f.endsWith('-port'))
        .map(([, p]) => +p),
    );
    expect(new Set(ports).size).toBe(ports.length);
    const plain = loadMailRelayConfig(env(base.services['mail-relay'])).upstream.providers;
    expect(MAIL_PROVIDERS.map((p) => new URL(plain[p].tokenUrl).protocol)).toEqual(
      MAIL_PROVIDERS.map(() => 'https:'),
    );
  });

  it('hands the accounts the fakes write to the relay through a volume it reads only', () => {
    const file = commandFlags(fakes.mail.command)['accounts-file'];
    expect(loadMailRelayConfig(env(services['mail-relay'])).accounts.file).toBe(file);
    const mounts = (name: string) =>
      (services[name].volumes ?? []).map(volumeMount).filter((m) => m.path === dirname(file));
    const [written, read] = [mounts('demo-mail'), mounts('mail-relay')];
    expect(written).toEqual([
      { volume: expect.any(String) as unknown, path: dirname(file), readOnly: false },
    ]);
    expect(read).toEqual([{ ...written[0], readOnly: true }]);
    expect(Object.keys(base.volumes ?? {})).toContain(written[0].volume);
  });
});

describe('Dockerfile', () => {
  const stages = parseDockerfile(read('Dockerfile'));
  const runtime = stages[stages.length - 1];
  const demo = stages.find((s) => s.name === 'demo')!;
  const all = (stage: Stage, keyword: string) =>
    stage.instructions.filter((i) => i.keyword === keyword);
  /** The stage and the earlier stages it is built on, nearest first. */
  const lineage = (stage: Stage): Stage[] => {
    const parent = stages.find((s) => s.name === stage.base);
    return parent ? [stage, ...lineage(parent)] : [stage];
  };
  /** The stage's instructions of that kind, inherited ones first. */
  const inherited = (stage: Stage, keyword: string) =>
    lineage(stage)
      .reverse()
      .flatMap((s) => all(s, keyword));
  const last = (stage: Stage, keyword: string): Instruction | undefined =>
    inherited(stage, keyword).pop();
  const copied = (stage: Stage) =>
    inherited(stage, 'COPY').flatMap((c) => c.args.slice(0, -1).map((source) => ({ c, source })));

  it('builds from Node 24 and from its own earlier stages only', () => {
    const earlier = (index: number) => stages.slice(0, index).map((s) => s.name);
    const images = stages.filter((s, i) => !earlier(i).includes(s.base)).map((s) => s.base);
    expect(images.length).toBeGreaterThan(0);
    expect(images.filter((image) => !/^node:24[.-]/.test(image))).toEqual([]);
    const copies = stages.flatMap((s, i) =>
      all(s, 'COPY')
        .filter((c) => c.flags.from && !earlier(i).includes(c.flags.from))
        .map((c) => c.flags.from),
    );
    expect(copies).toEqual([]);
  });

  it('copies only files that exist and that .dockerignore lets into the build context', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'))
      .map((p) => new RegExp(`^${p.replace(/\./g, '\\.').replace(/\*/g, '[^/]*')}(/|$)`));
    const sources = stages.flatMap((s) =>
      all(s, 'COPY')
        .filter((c) => !c.flags.from)
        .flatMap((c) => c.args.slice(0, -1)),
    );
    expect(sources.length).toBeGreaterThan(5);
    for (const source of sources) {
      expect([source, existsSync(join(ROOT, source))]).toEqual([source, true]);
      expect([source, ignored.some((p) => p.test(source))]).toEqual([source, false]);
    }
  });

  it('runs as a non-root user with only production dependencies', () => {
    expect(last(runtime, 'USER')?.args[0]).toMatch(/^(?!root$|0$)[a-z0-9]+$/);
    const modules = inherited(runtime, 'COPY').find(
      (c) => c.args[c.args.length - 1] === 'node_modules',
    );
    const source = stages.find((s) => s.name === modules?.flags.from)!;
    expect(all(source, 'RUN').map((r) => r.args.join(' '))).toContainEqual(
      expect.stringMatching(/npm (prune|ci|install) .*--omit=dev/),
    );
  });

  it('runs the app named by its argument under tini, with a health check', () => {
    const entrypoint = last(runtime, 'ENTRYPOINT')!;
    expect(entrypoint).toMatchObject({
      exec: true,
      args: ['tini', '--', 'node', 'scripts/container.js'],
    });
    expect(inherited(runtime, 'RUN').some((r) => r.args.includes('tini'))).toBe(true);
    expect(PORTICO_APPS).toContain(last(runtime, 'CMD')?.args[0]);
    expect(last(runtime, 'HEALTHCHECK')?.args).toEqual([
      'node',
      'scripts/container.js',
      'healthcheck',
    ]);
  });

  it('gives the app image by default, without benchmarks, test code or the demo', () => {
    expect(runtime.name).toBe('runtime');
    expect(lineage(runtime)).not.toContain(demo);
    const dist = copied(runtime).find(({ source }) => source === '/app/dist')!;
    const pruning = all(
      stages.find((s) => s.name === dist.c.flags.from)!,
      'RUN',
    );
    expect(pruning.flatMap((r) => r.args)).toEqual(
      expect.arrayContaining(['rm', 'dist/bench', 'dist/libs/testing']),
    );
    expect(copied(runtime).map(({ source }) => source)).not.toContain('scripts/demo-fakes.js');
  });

  it('builds the demo fakes as their own target: non-root, under tini, with what they load', () => {
    expect(last(demo, 'USER')?.args[0]).toMatch(/^(?!root$|0$)[a-z0-9]+$/);
    expect(last(demo, 'ENTRYPOINT')).toMatchObject({
      exec: true,
      args: ['tini', '--', 'node', 'scripts/demo-fakes.js'],
    });
    // A probe inherited from the app image would report the fakes unhealthy.
    expect(inherited(demo, 'HEALTHCHECK')).toEqual([]);
    const sources = copied(demo).map(({ source }) => source);
    expect(sources).toContain('/app/dist/libs');
    // Its own modules, but for the build it falls back on when dist/ is missing (copied here).
    const script = read('scripts/demo-fakes.js');
    const local = [...script.matchAll(/require\('\.\/([^']+)'\)/g)]
      .map(([, m]) => `scripts/${m}.js`)
      .filter((m) => m !== 'scripts/build.js');
    expect(local.length).toBeGreaterThan(0);
    expect(local.filter((m) => !sources.includes(m))).toEqual([]);
  });

  it('exposes the apps ports, which scripts/container.js agrees on', () => {
    const ports = PORTICO_APPS.flatMap((app) => [defaults(app).http.port]);
    ports.push(defaults('mail-relay').smtp!.port);
    const exposed = inherited(runtime, 'EXPOSE').flatMap((e) => e.args.map(Number));
    expect(exposed.sort()).toEqual(ports.sort());
    const table = [...read('scripts/container.js').matchAll(/'?([a-z-]+)'?: \['(\w+)', (\d+)\]/g)];
    expect(Object.fromEntries(table.map(([, app, , port]) => [app, Number(port)]))).toEqual(
      Object.fromEntries(PORTICO_APPS.map((app) => [app, defaults(app).http.port])),
    );
    const unknown = table.filter(
      ([, app, variable]) => !declaredVariables(APP_CONFIG[app as PorticoApp].schema).has(variable),
    );
    expect(unknown).toEqual([]);
  });
});
