import 'reflect-metadata';
import { loadMailRelayConfig, processEnv } from '@libs/config';
import { runApp } from '@libs/platform';
import { AppModule } from './app.module';
import { parseRelayFlags, USAGE, wantsHelp } from './cli-flags';
import { applyHeapGrowth } from './heap-growth';

const argv = process.argv.slice(2);
if (wantsHelp(argv)) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

runApp(() => {
  const config = loadMailRelayConfig(processEnv(), parseRelayFlags(argv));
  applyHeapGrowth(config.limits.heapGrowthPercent);
  return { config, module: AppModule.forRoot(config) };
});
