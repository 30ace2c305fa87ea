import 'reflect-metadata';
import { loadClientRegistryConfig } from '@libs/config';
import { runApp } from '@libs/platform';
import { defineApp } from './app.module';

runApp(() => defineApp(loadClientRegistryConfig()));
