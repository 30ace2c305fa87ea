// npm run demo: walks Portico's main job against a running platform (`npm start` or
// `docker compose up`) and prints every step with its result and timing: the Admin Service
// publishes client.created ⇒ the client appears in the registry ⇒ a token is issued, verified
// against JWKS and introspected ⇒ client.suspended ⇒ token requests are refused (measured
// delay) ⇒ client.revoked ⇒ the earlier token introspects as inactive. It revokes its clients
// and removes the admin-stream entries it wrote once every consumer group acknowledged them.
// Exits 0 when every step passed, 1 otherwise.
//
// Environment (defaults: what `npm start` runs):
//   AUTH_URL             http://127.0.0.1:$AUTH_PORT (3000)
//   CLIENT_REGISTRY_URL  http://127.0.0.1:$CLIENT_REGISTRY_PORT (3001)
//   ADMIN_TOKEN          the registry's operator token (development default)
//   REDIS_URL, REDIS_KEY_PREFIX   the platform's Redis, where the Admin Service publishes
//   DEMO_TIMEOUT_MS      bound on each wait (10000)
const fs = require('node:fs');
const path = require('node:path');

// The demo uses the platform's compiled code (dist/), which `npm start` built; building here
// would rewrite files under the running apps.
if (!fs.existsSync(path.resolve(__dirname, '..', 'dist/apps/event-consumer/src/cli/main.js')))
  require('./build').build();

require('./demo/flow')
  .runDemo(process.env, (line) => process.stdout.write(`${line}\n`))
  .then(
    (code) => process.exit(code),
    (error) => {
      process.stderr.write(`demo: ${error.stack ?? error}\n`);
      process.exit(1);
    },
  );
