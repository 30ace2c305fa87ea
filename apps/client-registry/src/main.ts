import 'reflect-metadata';
import { loadClientRegistryConfig } from '@libs/config';
import { runApp } from '@libs/platform';
import { AppModule } from './app.module';

runApp(() => {
  const config = loadClientRegistryConfig();
  return { config, module: AppModule.forRoot(config) };
});
