export { CoreModule, type CoreOptions } from './core.module';
export { createHttpApp } from './create-app';
export { exitOnSignals, shutDown } from './graceful-shutdown';
export { runApp, type AppDefinition } from './run-app';
