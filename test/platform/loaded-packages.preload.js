// Preloaded into a built app under test (NODE_OPTIONS=--require …): records every npm package the
// process resolves, through require and import alike, and writes the sorted names to
// LOADED_PACKAGES_FILE when the process exits.
const { registerHooks } = require('node:module');
const { writeFileSync } = require('node:fs');

const packages = new Set();
registerHooks({
  resolve(specifier, context, nextResolve) {
    const resolved = nextResolve(specifier, context);
    const match = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(resolved.url);
    if (match) packages.add(match[1]);
    return resolved;
  },
});
process.on('exit', () => {
  writeFileSync(process.env.LOADED_PACKAGES_FILE, JSON.stringify([...packages].sort()));
});
