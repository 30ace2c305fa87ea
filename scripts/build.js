// Compiles apps, libs, migrations and benchmarks to dist/ (incremental), then rewrites the
// @libs/* aliases into relative paths so plain `node` runs the output.
const { execFileSync } = require('node:child_process');
const root = require('node:path').resolve(__dirname, '..');

function run(bin, args) {
  execFileSync(process.execPath, [require.resolve(bin, { paths: [root] }), ...args], {
    cwd: root,
    stdio: 'inherit',
  });
}

function build() {
  run('typescript/bin/tsc', ['-p', 'tsconfig.build.json']);
  run('tsc-alias/dist/bin/index.js', ['-p', 'tsconfig.build.json']);
  require('./build-sync-web').buildSyncWeb();
}

module.exports = { build };
if (require.main === module) build();
