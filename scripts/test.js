// npm test: compile (fault tests run the built apps as real processes), then Jest over the
// unit, integration and e2e projects against DATABASE_URL / REDIS_URL. Extra arguments go to Jest.
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { build } = require('./build');

const root = path.resolve(__dirname, '..');
build();
const jest = require.resolve('jest/bin/jest', { paths: [root] });
const result = spawnSync(process.execPath, [jest, ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: {
    ...process.env,
    TZ: 'UTC',
    // Jest may only load NestJS 12 (ESM) through require(esm) with VM modules enabled.
    NODE_OPTIONS:
      `${process.env.NODE_OPTIONS ?? ''} --experimental-vm-modules --no-warnings=ExperimentalWarning`.trim(),
  },
});
process.exit(result.status ?? 1);
