// npm start: build if needed, migrate (creating the database), then run all five apps as child
// processes with prefixed logs. SIGINT/SIGTERM stop every child gracefully; the exit code is 0
// only when every child exited 0.
const { spawn } = require('node:child_process');
const path = require('node:path');
const readline = require('node:readline');
const { build } = require('./build');
const { migrate } = require('./migrate');
const { withLaunchEnv } = require('./launch-env');

const root = path.resolve(__dirname, '..');
const APPS = ['auth', 'client-registry', 'event-consumer', 'sync-orchestrator', 'mail-relay'];
const width = Math.max(...APPS.map((a) => a.length));

// Local defaults: development mode (development KEK and admin token, loudly logged) and a short
// drain, since no load balancer needs time to notice a local process going away.
const env = { NODE_ENV: 'development', SHUTDOWN_DRAIN_MS: '200', ...process.env };

function prefixLines(stream, app, out) {
  const rl = readline.createInterface({ input: stream });
  rl.on('line', (line) => out.write(`[${app.padEnd(width)}] ${line}\n`));
}

async function main() {
  const only = process.argv.slice(2).filter((a) => APPS.includes(a));
  const apps = only.length > 0 ? only : APPS;
  build();
  await migrate('run');
  const children = apps.map((app) => {
    const child = spawn(process.execPath, [path.join(root, 'dist/apps', app, 'src/main.js')], {
      cwd: root,
      env: withLaunchEnv(app, env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    prefixLines(child.stdout, app, process.stdout);
    prefixLines(child.stderr, app, process.stderr);
    const exited = new Promise((resolve) =>
      child.on('exit', (code, signal) => {
        console.log(`[portico] ${app} exited with ${signal ?? `code ${code}`}`);
        resolve(code ?? 1);
      }),
    );
    return { app, child, exited };
  });
  let stopping = false;
  const stop = (signal) => {
    if (stopping) return;
    stopping = true;
    console.log(`[portico] ${signal}: stopping ${apps.length} apps`);
    for (const { child } of children) if (child.exitCode === null) child.kill('SIGTERM');
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // One app dying on its own takes the platform down rather than leaving it half up.
  for (const { exited } of children) exited.then(() => stop('child exit'));
  const codes = await Promise.all(children.map((c) => c.exited));
  process.exit(codes.every((c) => c === 0) ? 0 : 1);
}

main().catch((error) => {
  console.error(`[portico] ${error.stack ?? error}`);
  process.exit(1);
});
