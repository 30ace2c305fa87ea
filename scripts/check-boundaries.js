// Import boundaries of the monorepo (run by `npm run lint`):
// - an app never imports another app, a lib never imports an app;
// - code reaches another lib only through `@libs/<name>` (never a relative path into it);
// - the libs' dependency graph has no cycle (libs import downward only).
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const IMPORT =
  /(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g;

function* files(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* files(full);
    else if (entry.name.endsWith('.ts')) yield full;
  }
}

/** 'apps/auth' or 'libs/config' for a file inside them. */
const owner = (file) => path.relative(root, file).split(path.sep).slice(0, 2).join('/');

const problems = [];
const libGraph = new Map();
for (const top of ['apps', 'libs']) {
  for (const file of files(path.join(root, top))) {
    const from = owner(file);
    const source = fs.readFileSync(file, 'utf8');
    for (const match of source.matchAll(IMPORT)) {
      const spec = match[1] ?? match[2] ?? match[3];
      let target;
      if (spec.startsWith('@libs/')) target = `libs/${spec.split('/')[1]}`;
      else if (spec.startsWith('.')) target = owner(path.resolve(path.dirname(file), spec));
      else continue;
      const rel = path.relative(root, file);
      if (target.startsWith('apps/') && target !== from)
        problems.push(`${rel}: imports another app (${spec})`);
      // libs/testing is loaded by Jest's globalSetup, which has no @libs name mapper.
      if (
        spec.startsWith('.') &&
        target !== from &&
        target.startsWith('libs/') &&
        from !== 'libs/testing'
      )
        problems.push(
          `${rel}: reaches into ${target} by a relative path; use @libs/${target.split('/')[1]}`,
        );
      if (from.startsWith('libs/') && target.startsWith('libs/') && target !== from) {
        if (!libGraph.has(from)) libGraph.set(from, new Set());
        libGraph.get(from).add(target);
      }
    }
  }
}

// Depth-first search for a cycle between libs.
const state = new Map();
function visit(lib, trail) {
  if (state.get(lib) === 'done') return;
  if (state.get(lib) === 'open') return problems.push(`lib cycle: ${[...trail, lib].join(' -> ')}`);
  state.set(lib, 'open');
  for (const next of libGraph.get(lib) ?? []) visit(next, [...trail, lib]);
  state.set(lib, 'done');
}
for (const lib of libGraph.keys()) visit(lib, []);

if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log(`import boundaries hold (${libGraph.size} libs with lib dependencies)`);
