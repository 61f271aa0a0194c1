import { readFileSync } from 'fs';
import path from 'path';
import type { FastifyInstance } from 'fastify';

const UI_FILES: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
};

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
  const assets = new Map<string, Buffer>();
  fastify.get('/docs', (_req, reply) => {
    void reply.type('text/html; charset=utf-8').send(page);
  });
  fastify.get('/docs/init.js', (_req, reply) => {
    void reply.type('application/javascript; charset=utf-8').send(init);
  });
  fastify.get('/docs/openapi.json', (_req, reply) => {
    void reply.type('application/json; charset=utf-8').send(json);
  });
  for (const [file, type] of Object.entries(UI_FILES)) {
    fastify.get(`/docs/${file}`, (_req, reply) => {
      let body = assets.get(file);
      if (!body) assets.set(file, (body = readFileSync(path.join(dist, file))));
      void reply.type(type).header('cache-control', 'public, max-age=86400').send(body);
    });
  }
}
