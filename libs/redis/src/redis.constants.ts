/** DI token of the app's shared ioredis client (commands; blocking reads use their own). */
export const REDIS = Symbol('REDIS');
