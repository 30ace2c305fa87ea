import 'reflect-metadata';
import { loadEventConsumerConfig } from '@libs/config';
import { runApp } from '@libs/platform';
import { defineApp } from './app.module';

runApp(() => defineApp(loadEventConsumerConfig()));
