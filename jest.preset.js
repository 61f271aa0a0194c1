// Shared jest settings: SWC transpiles TypeScript (with decorator metadata for NestJS)
// and the @vigil/* aliases map to library sources, as in tsconfig.base.json.
const { readFileSync } = require('fs');
const path = require('path');

const swcrc = JSON.parse(readFileSync(path.join(__dirname, '.swcrc'), 'utf8'));
const { compilerOptions } = JSON.parse(readFileSync(path.join(__dirname, 'tsconfig.base.json'), 'utf8'));

/** Dependencies published as ES modules only (jose 6; content-disposition 2, under @fastify/static; hyparquet-writer and its hyparquet). */
const ESM_ONLY = ['jose', 'content-disposition', 'hyparquet-writer', 'hyparquet'];

const moduleNameMapper = {};
for (const [alias, [target]] of Object.entries(compilerOptions.paths)) {
  moduleNameMapper[`^${alias}$`] = path.join(__dirname, target);
}

module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['@swc/jest', { ...swcrc, swcrc: false }],
    // ESM-only packages: jest's CommonJS runtime loads them once SWC has turned them into CommonJS.
    [`^.+/node_modules/(${ESM_ONLY.join('|')})/.+\\.js$`]: ['@swc/jest', { ...swcrc, swcrc: false, jsc: { ...swcrc.jsc, parser: { syntax: 'ecmascript' } } }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY.join('|')})/)`],
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper,
  // The dashboard's pure modules have unit tests (metrics.spec.ts); its pages are tested in a browser (e2e/).
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
};
