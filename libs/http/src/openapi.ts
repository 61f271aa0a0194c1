import fastifyStatic from '@fastify/static';
import path from 'path';
import type { FastifyInstance } from 'fastify';

/** The only files of swagger-ui-dist the page loads; nothing else of the package is served. */
const UI_FILES = new Set(['swagger-ui.css', 'swagger-ui-bundle.js']);

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * `/docs` (Swagger UI from swagger-ui-dist, no CDN) and `/docs/openapi.json`: public, no PHI.
 * `doc` is the document built by @nestjs/swagger from the controllers and DTOs.
 */
export function serveOpenApi(fastify: FastifyInstance, doc: object, opts: { title: string }): void {
  const json = JSON.stringify(doc);
  const page = `<!doctype html>
<html><head><meta charset="utf-8"><title>${escapeHtml(opts.title)}</title>
<link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="ui"></div><script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script></body></html>`;
  const init = `window.ui = SwaggerUIBundle({ url: '/docs/openapi.json', dom_id: '#ui' });`;
  const dist = path.dirname(require.resolve('swagger-ui-dist/package.json'));
  fastify.get('/docs', (_req, reply) => {
    void reply.type('text/html; charset=utf-8').send(page);
  });
  fastify.get('/docs/init.js', (_req, reply) => {
    void reply.type('application/javascript; charset=utf-8').send(init);
  });
  fastify.get('/docs/openapi.json', (_req, reply) => {
    void reply.type('application/json; charset=utf-8').send(json);
  });
  void fastify.register(
    async (scope) => {
      await scope.register(fastifyStatic, {
        root: dist,
        prefix: '/',
        index: false,
        allowedPath: (pathName) => UI_FILES.has(pathName.replace(/^\//, '')),
        maxAge: 86_400_000,
      });
    },
    { prefix: '/docs' },
  );
}
