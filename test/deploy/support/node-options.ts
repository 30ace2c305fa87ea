// scripts/node-options.js, typed: the NODE_OPTIONS each app is launched with.
interface NodeOptionsTable {
  NODE_OPTIONS_BY_APP: Readonly<Record<string, string>>;
  withNodeOptions: (app: string, env: Record<string, string>) => Record<string, string>;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const table = require('../../../scripts/node-options') as NodeOptionsTable;
export const { NODE_OPTIONS_BY_APP, withNodeOptions } = table;
