// Run after every `npm install` that changes dependencies.
// Registries that serve only this platform's binaries leave other platforms' optional packages
// (@unrs/resolver-binding-*, @msgpackr-extract/*, …) out of package-lock.json, and `npm ci`
// then refuses the lockfile. This records each missing one as an optional entry; npm skips
// them on platforms they are not for. A unit test (lockfile.spec.ts) keeps it true.
const fs = require('node:fs');
const path = require('node:path');

const file = path.resolve(__dirname, '..', 'package-lock.json');

function missingOptionalEntries(lock) {
  const pkgs = lock.packages;
  const missing = {};
  for (const [location, meta] of Object.entries(pkgs)) {
    for (const [name, version] of Object.entries(meta.optionalDependencies ?? {})) {
      const nested = location ? `${location}/node_modules/${name}` : `node_modules/${name}`;
      const hoisted = `node_modules/${name}`;
      if (pkgs[nested] || pkgs[hoisted] || missing[hoisted]) continue;
      missing[hoisted] = { version, ...(meta.dev ? { dev: true } : {}), optional: true };
    }
  }
  return missing;
}

module.exports = { missingOptionalEntries };

if (require.main === module) {
  const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
  const missing = missingOptionalEntries(lock);
  Object.assign(lock.packages, missing);
  fs.writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
  console.log(`recorded ${Object.keys(missing).length} optional platform packages`);
}
