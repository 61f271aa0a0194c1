import { readFileSync } from 'fs';
import path from 'path';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

/** The OpenAPI document, generated from the controllers and the DTOs of @vigil/contracts. */
export function buildOpenApi(app: NestFastifyApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Vigil ingest-api')
    .setDescription(
      'The patient app\'s front door. Every error is application/problem+json (RFC 9457) with a requestId; ' +
        'every response carries x-request-id. Tokens: JWT bearer, role patient; the patient id (sub) and ' +
        'organisation (org) come from the token, never from the body.',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    .build();
  const doc = SwaggerModule.createDocument(app, config);
  // Fastify needs `:` escaped in a static path (`check-ins::batch`); the API path has one colon.
  for (const p of Object.keys(doc.paths)) {
    if (p.includes('::')) {
      doc.paths[p.replace(/::/g, ':')] = doc.paths[p];
      delete doc.paths[p];
    }
  }
  return doc;
}

const UI_FILES: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
};

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>Vigil ingest-api</title>
<link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="ui"></div><script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script></body></html>`;
const INIT = `window.ui = SwaggerUIBundle({ url: '/docs/openapi.json', dom_id: '#ui' });`;

/** /docs (Swagger UI from swagger-ui-dist, no CDN) and /docs/openapi.json; public, no PHI. */
export function serveOpenApi(app: NestFastifyApplication, doc: OpenAPIObject): void {
  const fastify = app.getHttpAdapter().getInstance();
  const json = JSON.stringify(doc);
  const dist = path.dirname(require.resolve('swagger-ui-dist/package.json'));
  const assets = new Map<string, Buffer>();
  fastify.get('/docs', (_req, reply) => {
    void reply.type('text/html; charset=utf-8').send(PAGE);
  });
  fastify.get('/docs/init.js', (_req, reply) => {
    void reply.type('application/javascript; charset=utf-8').send(INIT);
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
