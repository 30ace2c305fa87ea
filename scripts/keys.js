// npm run keys -- <status|rotate>: auth's signing keys (see docs/operations.md). Builds, then
// runs the compiled command line from dist/ with the environment's auth variables. In the
// container image, run `node dist/apps/auth/src/keys/keys-cli.main.js <command>` instead.
const path = require('node:path');
const { build } = require('./build');

build();
require(path.resolve(__dirname, '..', 'dist/apps/auth/src/keys/keys-cli.main.js'));
