export {
  freePort,
  REPO_ROOT,
  spawnApp,
  spawnNode,
  statusOf,
  waitFor,
  type RunningProcess,
} from './processes';
export { PrivateRedis } from './redis-server';
export {
  assertTestDatabase,
  testDatabaseUrl,
  testEnv,
  testRedisUrl,
  TEST_ADMIN_TOKEN,
  uniquePrefix,
} from './test-env';
