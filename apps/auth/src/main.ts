import 'reflect-metadata';
import { loadAuthConfig } from '@libs/config';
import { runApp } from '@libs/platform';
import { AppModule } from './app.module';

runApp(() => {
  const config = loadAuthConfig();
  return { config, module: AppModule.forRoot(config) };
});
