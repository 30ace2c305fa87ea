// Entry point of the container image: `<app>` runs one app, `migrate` applies migrations,
// `healthcheck` probes the app this container runs (Docker HEALTHCHECK).
const path = require('node:path');
const fs = require('node:fs');

const PORTS = {
  auth: ['AUTH_PORT', 3000],
  'client-registry': ['CLIENT_REGISTRY_PORT', 3001],
  'event-consumer': ['EVENT_CONSUMER_PORT', 3002],
  'sync-orchestrator': ['SYNC_ORCHESTRATOR_PORT', 3003],
  'mail-relay': ['MAIL_RELAY_PORT', 3004],
};
const root = path.resolve(__dirname, '..');
const PORT_FILE = '/tmp/portico-http-port';

async function healthcheck() {
  const port = fs.readFileSync(PORT_FILE, 'utf8').trim();
  const res = await fetch(`http://127.0.0.1:${port}/health/ready`, {
    signal: AbortSignal.timeout(3_000),
  });
  process.exit(res.ok ? 0 : 1);
}

const [command = 'auth'] = process.argv.slice(2);
if (command === 'migrate') {
  const { migrate } = require('./migrate');
  migrate('run').catch((error) => {
    console.error(`[migrate] ${error.message}`);
    process.exit(1);
  });
} else if (command === 'healthcheck') {
  healthcheck().catch(() => process.exit(1));
} else if (PORTS[command]) {
  const [variable, fallback] = PORTS[command];
  fs.writeFileSync(PORT_FILE, String(process.env[variable] ?? fallback));
  require(path.join(root, 'dist/apps', command, 'src/main.js'));
} else {
  console.error(`usage: <${Object.keys(PORTS).join('|')}|migrate|healthcheck>`);
  process.exit(2);
}
