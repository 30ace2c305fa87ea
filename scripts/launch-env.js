// Process environment each app is launched with beyond its configuration, read by Node and the C
// library rather than by the app: `npm start` applies it here, and the compose file and the
// Kubernetes config map state the same values (test/deploy holds them to this table).
//
// mail-relay (its RSS budget is 200 MB for 1 000 accounts; docs/benchmarks.md, Mail relay):
// - NODE_OPTIONS: V8 sizes the young generation from the machine's memory (16 MB semi-spaces on a
//   24 GiB box). The relay's garbage is per-message state that dies young, so 4 MB semi-spaces
//   cost no measured throughput and took ~100 MB off its peak at 1 000 msg/s. Only a launch flag
//   can set it; the old generation's growth is set by the relay itself
//   (XOAUTH2_HEAP_GROWTH_PERCENT).
// - MALLOC_ARENA_MAX: glibc gives each thread that allocates (libuv's pool, V8's GC helpers) an
//   arena of its own and keeps their freed memory; one arena held ~15 MB less at the same load
//   and throughput (the relay's work is on one thread, so there is little lock contention).
const LAUNCH_ENV_BY_APP = {
  'mail-relay': { NODE_OPTIONS: '--max-semi-space-size=4', MALLOC_ARENA_MAX: '1' },
};

/**
 * `env` for launching `app` with its launch environment: NODE_OPTIONS appended to the caller's,
 * any other variable the caller already set left as the caller set it.
 */
function withLaunchEnv(app, env) {
  const own = LAUNCH_ENV_BY_APP[app] ?? {};
  const merged = { ...own, ...env };
  if (own.NODE_OPTIONS) {
    merged.NODE_OPTIONS = [env.NODE_OPTIONS, own.NODE_OPTIONS].filter(Boolean).join(' ');
  }
  return merged;
}

module.exports = { LAUNCH_ENV_BY_APP, withLaunchEnv };
