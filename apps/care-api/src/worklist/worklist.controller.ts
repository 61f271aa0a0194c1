import { Controller, Get, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Claims, Roles } from '@vigil/auth';
import type { VigilClaims } from '@vigil/contracts';
import { callerOf, routeOf } from '../common/caller';
import { validQuery } from '../common/query';
import { WorklistPageDoc, WorklistQueryDto } from './worklist.dto';
import { WorklistService } from './worklist.service';

@ApiTags('worklist')
@ApiBearerAuth()
@Roles('care-manager', 'care-admin')
@Controller('v1/worklist')
export class WorklistController {
  constructor(private readonly worklist: WorklistService) {}

  @Get()
  @ApiOperation({
    summary: "Your teams' active patients, ranked by who needs contact now and why",
    description:
      'Ranked by libs/worklist at one instant (`asOf`, kept by the cursor for later pages): not snoozed first, then priority, then patient id. ' +
      "Another team's or organisation's patient never appears. Every listed patient's read is audited. Live changes: GET /v1/worklist/stream.",
  })
  @ApiOkResponse({ type: WorklistPageDoc })
  list(@Claims() claims: VigilClaims, @Req() req: FastifyRequest, @Query() query: WorklistQueryDto): Promise<WorklistPageDoc> {
    return this.worklist.list(callerOf(claims, req), validQuery(WorklistQueryDto, query), routeOf(req)) as Promise<WorklistPageDoc>;
  }
}
