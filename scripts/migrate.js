// npm run migration:run | migration:revert | migration:generate -- <Name>
// Runs against DATABASE_URL (default postgres://postgres@127.0.0.1:5432/portico), creating the
// database first when it is missing. Works on the compiled output (see scripts/build.js).
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const { build } = require('./build');

const root = path.resolve(__dirname, '..');
const dist = (p) => path.join(root, 'dist', p);

async function migrate(command = 'run', url) {
  const { ensureDatabase } = require(dist('libs/database/src/index.js'));
  const { loadToolingConfig } = require(dist('libs/config/src/index.js'));
  const { migrationDataSource } = require(dist('migrations/data-source.js'));
  const target = url ?? loadToolingConfig().database.url;
  await ensureDatabase(target);
  const dataSource = migrationDataSource(target);
  await dataSource.initialize();
  try {
    if (command === 'run') {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      for (const m of applied) console.log(`[migrate] applied ${m.name}`);
      if (applied.length === 0) console.log('[migrate] schema is up to date');
    } else if (command === 'revert') {
      await dataSource.undoLastMigration({ transaction: 'each' });
      console.log('[migrate] reverted the last migration');
    } else {
      throw new Error(`unknown command ${command}`);
    }
  } finally {
    await dataSource.destroy();
  }
}

function generate(name) {
  if (!/^[A-Z][A-Za-z0-9]+$/.test(name ?? ''))
    throw new Error('usage: migration:generate -- PascalCaseName');
  const cli = require.resolve('typeorm/cli.js', { paths: [root] });
  execFileSync(
    process.execPath,
    [cli, 'migration:generate', '-d', dist('migrations/data-source.js'), `migrations/${name}`],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  console.log('[migrate] add the new class to migrations/index.ts');
}

module.exports = { migrate };

if (require.main === module) {
  const [command, arg] = process.argv.slice(2);
  build();
  const work = command === 'generate' ? Promise.resolve(generate(arg)) : migrate(command);
  work.catch((error) => {
    console.error(`[migrate] ${error.message}`);
    process.exit(1);
  });
}
