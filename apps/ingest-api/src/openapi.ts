import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

/** The OpenAPI document, generated from the controllers and the DTOs of @vigil/contracts. */
export function buildOpenApi(app: NestFastifyApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Vigil ingest-api')
    .setDescription(
      "The patient app's front door. Every error is application/problem+json (RFC 9457) with a requestId; " +
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
