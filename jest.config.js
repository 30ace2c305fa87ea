// Jest runs TypeScript through ts-jest in CommonJS mode. NestJS 12 is ESM-only and is loaded
// through require(esm), which Jest only permits with NODE_OPTIONS=--experimental-vm-modules
// (scripts/test.js sets it).
const { readdirSync } = require('node:fs');

const libs = readdirSync(`${__dirname}/libs`, { withFileTypes: true }).filter((d) =>
  d.isDirectory(),
);
const moduleNameMapper = Object.fromEntries(
  libs.map((d) => [`^@libs/${d.name}$`, `<rootDir>/libs/${d.name}/src/index.ts`]),
);
const transform = {
  '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json' }],
};
const common = {
  rootDir: __dirname,
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper,
  transform,
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/.tooling/'],
};

module.exports = {
  testTimeout: 30_000,
  // Some suites leave library timers behind after closing everything they opened (ioredis
  // reconnect timers of killed private servers, socket.io engine timers); without this, Jest
  // waits on them after the summary instead of exiting.
  forceExit: true,
  reporters: ['default', '<rootDir>/scripts/summary-reporter.js'],
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/{apps,libs,test,bench,scripts,deploy,migrations}/**/*.spec.ts'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/{apps,libs,test}/**/*.integration-spec.ts'],
      globalSetup: '<rootDir>/libs/testing/src/global-setup.ts',
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/{apps,test}/**/*.{e2e,fault}-spec.ts'],
      globalSetup: '<rootDir>/libs/testing/src/global-setup.ts',
    },
  ],
};
