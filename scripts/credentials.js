// npm run credentials -- <command>: data keys and re-encryption of users' stored credentials
// (status, rotate, reencrypt, retire, rewrap). Builds, then runs the compiled command line from
// dist/ with the environment's DATABASE_URL and PORTICO_KEK. In the container image, run
// `node dist/apps/client-registry/src/credentials/credentials-cli.main.js <command>` instead.
const path = require('node:path');
const { build } = require('./build');

build();
require(
  path.resolve(
    __dirname,
    '..',
    'dist/apps/client-registry/src/credentials/credentials-cli.main.js',
  ),
);
