// npm run admin -- <command>: the command line for Admin Service integrators and operators
// (publish events from a JSON file, list and replay dead letters). Builds, then runs the
// compiled CLI from dist/ with the environment's REDIS_URL and REDIS_KEY_PREFIX. In the
// container image, run `node dist/apps/event-consumer/src/cli/main.js <command>` instead.
const path = require('node:path');
const { build } = require('./build');

build();
require(path.resolve(__dirname, '..', 'dist/apps/event-consumer/src/cli/main.js'));
