export { closeRedis, createRedis } from './create-redis';
export { Keyspace } from './keyspace';
export { REDIS } from './redis.constants';
export { RedisHealthCheck } from './redis.health';
export { RedisModule } from './redis.module';
export { luaCommand, luaKeysCommand, type LuaCommand, type LuaKeysCommand } from './lua-command';
