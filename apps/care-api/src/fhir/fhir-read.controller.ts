import { Controller, Get, Inject, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Claims, Roles } from '@vigil/auth';
import { FHIR_BASE_PATH, FHIR_CONTENT_TYPE, type FhirBundle, type VigilClaims } from '@vigil/contracts';
import { callerOf, routeOf } from '../common/caller';
import { careCapabilityStatement } from './capability-statement';
import type { FhirReadService, SearchRequest } from './fhir-read.service';
import type { Query as SearchQuery } from './fhir-search';

export const FHIR_READ_SERVICE = Symbol('FhirReadService');
const FHIR_JSON = `${FHIR_CONTENT_TYPE}; charset=utf-8`;

function searchOf(req: FastifyRequest, query: SearchQuery): SearchRequest {
  return { query: { ...query }, route: routeOf(req), origin: `${req.protocol}://${req.headers.host ?? 'localhost'}` };
}

@ApiTags('fhir')
@ApiBearerAuth()
@Roles('care-manager', 'care-admin')
@Controller(FHIR_BASE_PATH)
export class FhirReadController {
  constructor(@Inject(FHIR_READ_SERVICE) private readonly fhir: FhirReadService) {}

  @Get('metadata')
  @ApiOperation({ summary: 'CapabilityStatement: the searches this FHIR endpoint serves' })
  metadata(@Res({ passthrough: true }) reply: FastifyReply): Record<string, unknown> {
    reply.header('content-type', FHIR_JSON);
    return careCapabilityStatement();
  }

  @Get('Observation')
  @ApiOperation({ summary: "Search a patient's stored series as Observations: patient, code, date (ge/le), _count; a searchset Bundle with paging links" })
  async observations(
    @Claims() claims: VigilClaims,
    @Req() req: FastifyRequest,
    @Query() query: SearchQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<FhirBundle> {
    const bundle = await this.fhir.observations(callerOf(claims, req), searchOf(req, query));
    reply.header('content-type', FHIR_JSON);
    return bundle;
  }

  @Get('RiskAssessment')
  @ApiOperation({ summary: "Search a patient's risk scores as RiskAssessments: subject, date, _count" })
  async riskAssessments(
    @Claims() claims: VigilClaims,
    @Req() req: FastifyRequest,
    @Query() query: SearchQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<FhirBundle> {
    const bundle = await this.fhir.riskAssessments(callerOf(claims, req), searchOf(req, query));
    reply.header('content-type', FHIR_JSON);
    return bundle;
  }
}
