import { Body, Controller, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Claims, Roles } from '@vigil/auth';
import { currentTraceparent, normalizedTraceparent } from '@vigil/observability';
import { FHIR_BASE_PATH, FHIR_CONTENT_TYPE, type FhirBundle, type VigilClaims } from '@vigil/contracts';
import { type RequestContext } from '../checkins/checkins.service';
import { ingestCapabilityStatement } from './capability-statement';
import { type FhirCreatable, type FhirCreated, FhirIngestService } from './fhir-ingest.service';

export const FHIR_INGEST_SERVICE = Symbol('FhirIngestService');
export const FHIR_OBSERVATION_PATH = `${FHIR_BASE_PATH}/Observation`;
export const FHIR_QUESTIONNAIRE_RESPONSE_PATH = `${FHIR_BASE_PATH}/QuestionnaireResponse`;
const FHIR_JSON = `${FHIR_CONTENT_TYPE}; charset=utf-8`;

function contextOf(req: FastifyRequest): RequestContext {
  const traceparent = currentTraceparent() ?? normalizedTraceparent(req.headers['traceparent']);
  return { requestId: req.id, receivedAt: new Date().toISOString(), traceparent };
}

/** `Prefer: return=minimal | representation | OperationOutcome` (FHIR http.html#ops); representation by default. */
function preferred(req: FastifyRequest): 'minimal' | 'representation' | 'OperationOutcome' {
  const m = /return=(minimal|representation|OperationOutcome)/.exec(String(req.headers['prefer'] ?? ''));
  return (m?.[1] as 'minimal' | 'OperationOutcome' | undefined) ?? 'representation';
}

@ApiTags('fhir')
@ApiBearerAuth()
@Roles('patient')
@Controller(FHIR_BASE_PATH)
export class FhirIngestController {
  constructor(@Inject(FHIR_INGEST_SERVICE) private readonly fhir: FhirIngestService) {}

  @Get('metadata')
  @ApiOperation({ summary: 'CapabilityStatement: what this FHIR endpoint accepts' })
  metadata(@Res({ passthrough: true }) reply: FastifyReply): Record<string, unknown> {
    reply.header('content-type', FHIR_JSON);
    return ingestCapabilityStatement();
  }

  @Post('Observation')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create an Observation (vital signs by LOINC + UCUM): one check-in on checkins.v1' })
  observation(@Claims() claims: VigilClaims, @Body() body: unknown, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.created('Observation', claims, body, req, reply);
  }

  @Post('QuestionnaireResponse')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a QuestionnaireResponse (PHQ-9, GAD-7, CAT): one check-in on checkins.v1' })
  questionnaireResponse(@Claims() claims: VigilClaims, @Body() body: unknown, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.created('QuestionnaireResponse', claims, body, req, reply);
  }

  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: 'A batch (per entry) or transaction (all or nothing) Bundle of Observation / QuestionnaireResponse creates' })
  async bundle(
    @Claims() claims: VigilClaims,
    @Body() body: unknown,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<FhirBundle> {
    const answer = await this.fhir.bundle(claims, body, contextOf(req));
    reply.header('content-type', FHIR_JSON);
    return answer;
  }

  private async created(type: FhirCreatable, claims: VigilClaims, body: unknown, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const c: FhirCreated = await this.fhir.create(type, claims, body, contextOf(req));
    reply.header('location', `${type}/${c.id}`);
    reply.header('last-modified', new Date(c.lastUpdated).toUTCString());
    const prefer = preferred(req);
    if (prefer === 'minimal') return undefined;
    reply.header('content-type', FHIR_JSON);
    if (prefer === 'OperationOutcome') {
      return { resourceType: 'OperationOutcome', issue: [{ severity: 'information', code: 'informational', diagnostics: `accepted as ${type}/${c.id}` }] };
    }
    // The resource as accepted: what was sent, under Vigil's id, with the time Vigil first accepted it.
    const sent = body as Record<string, unknown>;
    return { ...sent, id: c.id, meta: { ...(sent['meta'] as object | undefined), lastUpdated: c.lastUpdated } };
  }
}
