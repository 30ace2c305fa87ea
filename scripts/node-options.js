// NODE_OPTIONS each app is launched with: by `npm start` here, and the same value in the compose
// file and the Kubernetes manifests (test/deploy/node-options.spec.ts holds them to this table).
//
// mail-relay: V8 sizes the young generation from the machine's memory (16 MB semi-spaces on a
// 24 GiB box). The relay's garbage is per-message state that dies young, so 8 MB
// semi-spaces cost no measured throughput and took ~95 MB off its peak RSS at 1 000 msg/s
// (docs/benchmarks.md, Mail relay). Only a launch flag can set it; the old
// generation's growth is set by the relay itself (XOAUTH2_HEAP_GROWTH_PERCENT).
const NODE_OPTIONS_BY_APP = {
  'mail-relay': '--max-semi-space-size=8',
};

/** `env` for launching `app`: its NODE_OPTIONS appended to any the caller already set. */
function withNodeOptions(app, env) {
  const own = NODE_OPTIONS_BY_APP[app];
  if (!own) return env;
  return { ...env, NODE_OPTIONS: [env.NODE_OPTIONS, own].filter(Boolean).join(' ') };
}

module.exports = { NODE_OPTIONS_BY_APP, withNodeOptions };
