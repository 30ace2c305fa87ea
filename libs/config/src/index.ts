export * from './app-configs';
export * from './common.env';
export * from './config-sections';
export * from './config.error';
export * from './config.module';
export { IsHttpUrl, IsPostgresUrl, IsRedisUrl } from './env.validators';
export { validateEnv, type Env } from './validate-env';
