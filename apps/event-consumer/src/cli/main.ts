import 'reflect-metadata';
import { runAdminCli } from './admin-cli';

// `npm run admin -- …` (scripts/admin.js builds first) or `node dist/apps/event-consumer/src/cli/main.js …`.
void runAdminCli(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
}).then((code) => {
  process.exitCode = code;
});
