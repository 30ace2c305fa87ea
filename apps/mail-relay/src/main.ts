import 'reflect-metadata';
import { loadMailRelayConfig } from '@libs/config';
import { runApp } from '@libs/platform';
import { AppModule } from './app.module';

runApp(() => {
  const config = loadMailRelayConfig();
  return { config, module: AppModule.forRoot(config) };
});
