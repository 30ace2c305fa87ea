// scripts/launch-env.js, typed: the process environment each app is launched with.
interface LaunchEnvTable {
  LAUNCH_ENV_BY_APP: Readonly<Record<string, Readonly<Record<string, string>>>>;
  withLaunchEnv: (app: string, env: Record<string, string>) => Record<string, string>;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const table = require('../../../scripts/launch-env') as LaunchEnvTable;
export const { LAUNCH_ENV_BY_APP, withLaunchEnv } = table;

/** The launch variables of `app` (none for most apps). */
export const launchEnvOf = (app: string): Readonly<Record<string, string>> =>
  LAUNCH_ENV_BY_APP[app] ?? {};

/** Names the launch table may set: read by Node or the C library, not by an app's config. */
export const LAUNCH_VARIABLES = new Set(
  Object.values(LAUNCH_ENV_BY_APP).flatMap((vars) => Object.keys(vars)),
);
