// One jest run, three kinds of test:
//   unit         *.spec.ts       pure logic, no servers
//   integration  *.int-spec.ts   real Kafka, Cassandra and Redis (started by deploy/local/infra.sh)
//   e2e          e2e/**/*.e2e-spec.ts  whole services as processes, over HTTP
const preset = require('./jest.preset');

module.exports = {
  projects: [
    { ...preset, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,tools}/**/*.spec.ts', '<rootDir>/deploy/tests/**/*.spec.ts'] },
    {
      ...preset,
      displayName: 'integration',
      testMatch: ['<rootDir>/{apps,libs}/**/*.int-spec.ts'],
      globalSetup: '<rootDir>/libs/testing/src/jest-global-setup.js',
    },
    {
      ...preset,
      displayName: 'e2e',
      testMatch: ['<rootDir>/e2e/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/libs/testing/src/jest-global-setup.js',
    },
  ],
};
