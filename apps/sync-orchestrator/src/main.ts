import 'reflect-metadata';
import { loadSyncOrchestratorConfig } from '@libs/config';
import { runApp } from '@libs/platform';
import { AppModule } from './app.module';

runApp(() => {
  const config = loadSyncOrchestratorConfig();
  return { config, module: AppModule.forRoot(config) };
});
