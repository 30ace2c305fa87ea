// Portico's third parties as local fakes, to try the platform without an account anywhere:
// Discogs' API (for the /sync/ page) and Gmail and Outlook, each an OAuth token endpoint and an
// XOAUTH2-only SMTP server (for the mail relay, whose accounts file this script writes). The
// compose `demo` profile runs it; run by hand, it prints the environment the apps need to use it.
// Everything stays in memory; every Discogs request and delivered message is logged (no bodies).
//
//   node scripts/demo-fakes.js [discogs] [mail]      (both when neither is named)
//     --discogs-host=127.0.0.1  --discogs-port=0
//     --gmail-token-port=0  --gmail-smtp-port=0  --outlook-token-port=0  --outlook-smtp-port=0
//     --accounts-file=tmp/demo-fakes/accounts.json
//
// Port 0 means any free port. The mail fakes listen on 127.0.0.1 only: the relay takes plain-http
// token endpoints and clear-text SMTP on loopback alone. SIGTERM or SIGINT stops the fakes.
const fs = require('node:fs');
const path = require('node:path');
const { parseArgs } = require('node:util');
const { fromDist } = require('./demo/dist');

const root = path.resolve(__dirname, '..');
const PROVIDERS = ['gmail', 'outlook'];

/** The one Discogs account of the fake (token and username are what the /sync/ page asks for). */
const DISCOGS_USER = {
  username: 'portico-demo',
  id: 4242,
  token: 'portico-demo-discogs-token',
  collection: 250,
  wants: 40,
};

/** One relay account per provider; the fakes know their client and refresh token. */
const MAIL_ACCOUNTS = PROVIDERS.map((provider) => ({
  provider,
  email: `demo@${provider}.test`,
  clientId: `portico-demo-${provider}-client`,
  clientSecret: `portico-demo-${provider}-client-secret`,
  refreshToken: `portico-demo-${provider}-refresh-token`,
  localPassword: 'portico-demo-password',
}));

const say = (line) => process.stdout.write(`[demo-fakes] ${line}\n`);

/** What an app needs to use a fake: one `NAME=value` line each, ready to copy. */
function printEnv(app, env) {
  say(`${app} environment:`);
  for (const [name, value] of Object.entries(env)) process.stdout.write(`  ${name}=${value}\n`);
}

function options(argv) {
  const port = { type: 'string', default: '0' };
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'discogs-host': { type: 'string', default: '127.0.0.1' },
      'discogs-port': port,
      'gmail-token-port': port,
      'gmail-smtp-port': port,
      'outlook-token-port': port,
      'outlook-smtp-port': port,
      'accounts-file': { type: 'string', default: 'tmp/demo-fakes/accounts.json' },
    },
  });
  const unknown = positionals.filter((p) => p !== 'discogs' && p !== 'mail');
  if (unknown.length > 0) throw new Error(`unknown fake ${unknown.join(', ')}: discogs or mail`);
  const wanted = positionals.length > 0 ? positionals : ['discogs', 'mail'];
  const portOf = (name) => {
    const value = Number(values[name]);
    if (!Number.isInteger(value) || value < 0 || value > 65535)
      throw new Error(`--${name} must be a port number (0: any free port)`);
    return value;
  };
  return {
    discogs: wanted.includes('discogs') && {
      host: values['discogs-host'],
      port: portOf('discogs-port'),
    },
    mail: wanted.includes('mail') && {
      accountsFile: path.resolve(root, values['accounts-file']),
      ports: Object.fromEntries(
        PROVIDERS.map((p) => [
          p,
          { token: portOf(`${p}-token-port`), smtp: portOf(`${p}-smtp-port`) },
        ]),
      ),
    },
  };
}

async function startDiscogs(testing, { host, port }) {
  const discogs = await testing.FakeDiscogs.start({
    users: [DISCOGS_USER],
    host,
    port,
    onHit: (hit) => say(`discogs: GET ${hit.path} ${hit.status} (${hit.username ?? 'no token'})`),
  });
  const { username, token, collection, wants } = DISCOGS_USER;
  say(`Discogs API at ${discogs.origin} (listening on ${host})`);
  say(`  user ${username}, token ${token}: ${collection} releases, ${wants} wants`);
  printEnv('sync-orchestrator', { SYNC_DEMO_DISCOGS_BASE_URL: discogs.origin });
  return discogs;
}

async function startMail(testing, { accountsFile, ports }) {
  const providers = await testing.startFakeMailProviders({
    keepMessages: false,
    ports,
    onMessage: (provider, mail) =>
      say(
        `${provider}: accepted ${mail.raw.length} bytes from ${mail.from} to ${mail.to.join(', ')} (XOAUTH2 user ${mail.user})`,
      ),
  });
  for (const account of MAIL_ACCOUNTS) providers.tokens[account.provider].addAccount(account);
  fs.mkdirSync(path.dirname(accountsFile), { recursive: true });
  await testing.writeAccountsFile(accountsFile, MAIL_ACCOUNTS);
  for (const p of PROVIDERS)
    say(
      `${p}: token endpoint ${providers.tokens[p].url}, SMTP 127.0.0.1:${providers.upstreams[p].port}`,
    );
  const logins = MAIL_ACCOUNTS.map((a) => a.email).join(', ');
  say(
    `relay accounts in ${accountsFile}: ${logins} (local password ${MAIL_ACCOUNTS[0].localPassword})`,
  );
  printEnv('mail-relay', {
    XOAUTH2_ACCOUNTS_FILE: accountsFile,
    ...testing.mailProviderEnv(providers),
  });
  return providers;
}

async function main() {
  const wanted = options(process.argv.slice(2));
  // Reuses the compiled fakes of libs/testing; built once when dist/ has none yet.
  if (!fs.existsSync(path.join(root, 'dist/libs/testing/src/index.js'))) require('./build').build();
  const testing = fromDist('libs/testing/src');
  const running = [];
  let stopping = false;
  const stop = async (code) => {
    if (stopping) return;
    stopping = true;
    await Promise.allSettled(running.map((fake) => fake.close()));
    say(code === 0 ? 'stopped' : 'failed');
    process.exit(code);
  };
  process.on('SIGTERM', () => void stop(0));
  process.on('SIGINT', () => void stop(0));
  try {
    if (wanted.discogs) running.push(await startDiscogs(testing, wanted.discogs));
    if (wanted.mail) running.push(await startMail(testing, wanted.mail));
  } catch (error) {
    say(`cannot start: ${error.message}`);
    await stop(1);
    return;
  }
  say('ready');
}

main().catch((error) => {
  say(error.message);
  process.exit(2);
});
