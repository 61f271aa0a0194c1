import { Body, Controller, Get, Inject, Param, Put, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Claims, Roles } from '@vigil/auth';
import { PatientProfileDto, type VigilClaims } from '@vigil/contracts';
import { callerOf, routeOf } from '../common/caller';
import { validQuery } from '../common/query';
import { PATIENT_DATA_SERVICE, PATIENTS_SERVICE } from '../common/tokens';
import { ObservationsPageView, ObservationsQueryDto, RiskPageView, RiskQueryDto } from '../observations/observations.dto';
import type { PatientDataService } from '../observations/patient-data.service';
import { PatientView } from './patients.dto';
import { type PatientsService, type ProfileView, toView } from './patients.service';

@ApiTags('patients')
@ApiBearerAuth()
@Roles('care-manager', 'care-admin')
@Controller('v1/patients')
export class PatientsController {
  constructor(
    @Inject(PATIENTS_SERVICE) private readonly patients: PatientsService,
    @Inject(PATIENT_DATA_SERVICE) private readonly data: PatientDataService,
  ) {}

  @Put(':id')
  @Roles('care-admin')
  @ApiOperation({ summary: 'Enrol or update a patient of your organisation (care team, conditions, targets). Emits to patients.v1.' })
  @ApiCreatedResponse({ type: PatientView, description: 'Enrolled' })
  @ApiOkResponse({ type: PatientView, description: 'Updated, or unchanged' })
  async put(
    @Claims() claims: VigilClaims,
    @Req() req: FastifyRequest,
    @Param('id') id: string,
    @Body() body: PatientProfileDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ProfileView> {
    const result = await this.patients.put(callerOf(claims, req), id, body, routeOf(req));
    void reply.status(result.created ? 201 : 200);
    return toView(result.profile);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A patient profile (audited)' })
  @ApiOkResponse({ type: PatientView })
  async get(@Claims() claims: VigilClaims, @Req() req: FastifyRequest, @Param('id') id: string): Promise<ProfileView> {
    return toView(await this.patients.get(callerOf(claims, req), id, routeOf(req)));
  }

  @Get(':id/observations')
  @ApiOperation({ summary: 'A time series of one metric, paged across month buckets (audited)' })
  @ApiOkResponse({ type: ObservationsPageView })
  observations(
    @Claims() claims: VigilClaims,
    @Req() req: FastifyRequest,
    @Param('id') id: string,
    @Query() query: ObservationsQueryDto,
  ): Promise<ObservationsPageView> {
    return this.data.observationsOf(callerOf(claims, req), id, validQuery(ObservationsQueryDto, query), routeOf(req));
  }

  @Get(':id/risk')
  @ApiOperation({ summary: 'Risk scores with their explanations, paged (audited)' })
  @ApiOkResponse({ type: RiskPageView })
  risk(@Claims() claims: VigilClaims, @Req() req: FastifyRequest, @Param('id') id: string, @Query() query: RiskQueryDto): Promise<RiskPageView> {
    return this.data.riskOf(callerOf(claims, req), id, validQuery(RiskQueryDto, query), routeOf(req));
  }
}
