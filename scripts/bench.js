// npm run bench -- <name> [args]: builds, then runs dist/bench/<name>.bench.js. Benchmarks print
// what they measured beside their anchors (docs/benchmarks.md); they never fail on slowness.
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { build } = require('./build');

const root = path.resolve(__dirname, '..');
const available = () =>
  fs
    .readdirSync(path.join(root, 'bench'))
    .filter((f) => f.endsWith('.bench.ts'))
    .map((f) => f.replace('.bench.ts', ''));

const [name, ...args] = process.argv.slice(2);
if (!name || !available().includes(name)) {
  console.error(`usage: npm run bench -- <${available().join('|') || 'no benchmarks yet'}>`);
  process.exit(name ? 2 : 0);
}
build();
const result = spawnSync(
  process.execPath,
  [path.join(root, 'dist/bench', `${name}.bench.js`), ...args],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
process.exit(result.status ?? 1);
