// What the demo talks to. Defaults are those of `npm start`; the Redis settings are validated
// by the admin command line's own schema (libs/config), the admin token default is the
// platform's development token.
const { fromDist } = require('./dist');

function localUrl(env, portVariable, port) {
  return `http://127.0.0.1:${env[portVariable] ?? port}`;
}

function positiveInt(env, name, fallback) {
  const value = Number(env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
}

/** The demo's settings from `env`; throws naming the bad variable. */
function demoSettings(env) {
  const { adminSection, loadAdminCliConfig } = fromDist('libs/config/src');
  const stores = loadAdminCliConfig(env);
  const token = adminSection({ ADMIN_TOKEN: env.ADMIN_TOKEN, NODE_ENV: 'development' }, []).token;
  const trim = (url) => url.replace(/\/+$/, '');
  return {
    authUrl: trim(env.AUTH_URL ?? localUrl(env, 'AUTH_PORT', 3000)),
    registryUrl: trim(env.CLIENT_REGISTRY_URL ?? localUrl(env, 'CLIENT_REGISTRY_PORT', 3001)),
    adminToken: token,
    redis: stores.redis,
    maxLen: stores.cli.maxLen,
    timeoutMs: positiveInt(env, 'DEMO_TIMEOUT_MS', 10_000),
  };
}

module.exports = { demoSettings };
