/**
 * HTTP plumbing shared by Vigil's Fastify services: problem+json errors (RFC 9457), request ids,
 * the JSON-only body parser, OpenAPI UI serving, static files and Server-Sent Events helpers.
 */
export * from './problem';
export * from './problem-details.filter';
export * from './http-setup';
export * from './openapi';
export * from './static-files';
export * from './sse';
export * from './page-cursor';
export * from './framework-refusals';
export * from './fhir';
