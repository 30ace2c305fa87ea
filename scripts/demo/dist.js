// The platform's compiled modules, as the demo reuses them.
const path = require('node:path');

const root = path.resolve(__dirname, '../..');

/** `require` of a compiled module by its source path (`libs/redis/src`). */
function fromDist(sourcePath) {
  return require(path.join(root, 'dist', sourcePath));
}

module.exports = { fromDist };
