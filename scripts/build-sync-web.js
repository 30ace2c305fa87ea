// Assembles the /sync/ web page of sync-orchestrator into dist/sync-web/: the page itself
// (apps/sync-orchestrator/web), the browser ES-module build of libs/sync-client (lib/) and
// socket.io's own browser ESM client (vendor/, from the socket.io server package, which
// ships it and is a production dependency).
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const out = path.join(root, 'dist/sync-web');

function run(bin, args) {
  execFileSync(process.execPath, [require.resolve(bin, { paths: [root] }), ...args], {
    cwd: root,
    stdio: 'inherit',
  });
}

function buildSyncWeb() {
  const config = 'libs/sync-client/tsconfig.browser.json';
  run('typescript/bin/tsc', ['-p', config]);
  // Browsers need explicit `.js` extensions on relative imports.
  run('tsc-alias/dist/bin/index.js', ['-p', config, '--resolve-full-paths']);
  fs.cpSync(path.join(root, 'apps/sync-orchestrator/web'), out, { recursive: true });
  const socketIo = path.dirname(require.resolve('socket.io', { paths: [root] }));
  const clientDist = path.join(socketIo, '../client-dist');
  fs.mkdirSync(path.join(out, 'vendor'), { recursive: true });
  for (const file of ['socket.io.esm.min.js', 'socket.io.esm.min.js.map']) {
    fs.copyFileSync(path.join(clientDist, file), path.join(out, 'vendor', file));
  }
}

module.exports = { buildSyncWeb };
if (require.main === module) buildSyncWeb();
