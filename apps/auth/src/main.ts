import 'reflect-metadata';
import { loadAuthConfig } from '@libs/config';
import { runApp } from '@libs/platform';
import { defineApp } from './app.module';

runApp(() => defineApp(loadAuthConfig()));
