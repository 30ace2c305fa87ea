import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { runKeysCli } from './keys.cli';

// `npm run keys -- …` (scripts/keys.js builds first) or
// `node dist/apps/auth/src/keys/keys-cli.main.js …` in the image.
Logger.overrideLogger(['error', 'warn']);
void runKeysCli(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
}).then((code) => {
  process.exitCode = code;
});
