// Runs TypeScript sources directly: SWC transpiles with decorator metadata (NestJS DI needs it)
// and resolves the @vigil/* path aliases from tsconfig.base.json.
process.env.SWC_NODE_PROJECT = process.env.SWC_NODE_PROJECT || require('path').join(__dirname, '..', 'tsconfig.base.json');
require('@swc-node/register');
