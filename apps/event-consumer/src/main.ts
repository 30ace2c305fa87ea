import 'reflect-metadata';
import { loadEventConsumerConfig } from '@libs/config';
import { runApp } from '@libs/platform';
import { AppModule } from './app.module';

runApp(() => {
  const config = loadEventConsumerConfig();
  return { config, module: AppModule.forRoot(config) };
});
