import type { Redis } from 'ioredis';

/** A single-key Lua script bound to one connection: `(key, ...args) => reply`. */
export type LuaCommand<A extends unknown[], R> = (key: string, ...args: A) => Promise<R>;

/**
 * Defines the single-key script `lua` as `name` on `redis` (once per connection) and returns it
 * bound. ioredis sends EVALSHA and falls back to EVAL after a script cache flush or a restart.
 */
export function luaCommand<A extends unknown[], R>(
  redis: Redis,
  name: string,
  lua: string,
): LuaCommand<A, R> {
  if (!(name in redis)) redis.defineCommand(name, { numberOfKeys: 1, lua });
  const command = (redis as unknown as Record<string, LuaCommand<A, R>>)[name];
  return command.bind(redis);
}

/** A Lua script over any number of keys bound to one connection: `(keys, ...args) => reply`. */
export type LuaKeysCommand<A extends unknown[], R> = (
  keys: readonly string[],
  ...args: A
) => Promise<R>;

/**
 * Defines the multi-key script `lua` as `name` on `redis` (once per connection) and returns it
 * bound. All keys of one call must live on one Redis node.
 */
export function luaKeysCommand<A extends unknown[], R>(
  redis: Redis,
  name: string,
  lua: string,
): LuaKeysCommand<A, R> {
  if (!(name in redis)) redis.defineCommand(name, { lua });
  const command = (redis as unknown as Record<string, (...args: unknown[]) => Promise<R>>)[name];
  return (keys, ...args) => command.call(redis, keys.length, ...keys, ...args);
}
