import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { runCredentialsCli } from './credentials.cli';

// `npm run credentials -- …` (scripts/credentials.js builds first) or
// `node dist/apps/client-registry/src/credentials/credentials-cli.main.js …` in the image.
Logger.overrideLogger(['error', 'warn']);
void runCredentialsCli(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
}).then((code) => {
  process.exitCode = code;
});
