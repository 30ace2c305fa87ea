export { CoreModule, type CoreOptions, type CoreStore } from './core.module';
export { createHttpApp } from './create-app';
export { exitOnSignals, shutDown } from './graceful-shutdown';
export { runApp, startTransports, type AppDefinition } from './run-app';
export { AppErrorFilter } from './app-error.filter';
export { AdminTokenGuard } from './admin-token.guard';
