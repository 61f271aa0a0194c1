import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Claims, Roles } from '@vigil/auth';
import type { VigilClaims } from '@vigil/contracts';
import { callerOf, routeOf } from '../common/caller';
import { validQuery } from '../common/query';
import { ALERTS_SERVICE } from '../common/tokens';
import { AlertPageView, AlertsQueryDto, AlertTransitionDto, AlertView } from './alerts.dto';
import type { AlertsService } from './alerts.service';

@ApiTags('alerts')
@ApiBearerAuth()
@Roles('care-manager', 'care-admin')
@Controller('v1/alerts')
export class AlertsController {
  constructor(@Inject(ALERTS_SERVICE) private readonly alerts: AlertsService) {}

  @Get()
  @ApiOperation({ summary: "Your teams' alerts (or one patient's), newest first, with filters and cursor paging" })
  @ApiOkResponse({ type: AlertPageView })
  list(@Claims() claims: VigilClaims, @Req() req: FastifyRequest, @Query() query: AlertsQueryDto): Promise<AlertPageView> {
    return this.alerts.list(callerOf(claims, req), validQuery(AlertsQueryDto, query), routeOf(req));
  }

  @Get(':id')
  @ApiOperation({ summary: 'One alert with its reasons and status' })
  @ApiOkResponse({ type: AlertView })
  get(@Claims() claims: VigilClaims, @Req() req: FastifyRequest, @Param('id') id: string): Promise<AlertView> {
    return this.alerts.get(callerOf(claims, req), id, routeOf(req));
  }

  @Post(':id/acknowledge')
  @HttpCode(200)
  @ApiOperation({ summary: 'Acknowledge (idempotent; 409 if resolved). Emits alert.acknowledged, visible on every stream.' })
  @ApiBody({ type: AlertTransitionDto, required: false })
  @ApiOkResponse({ type: AlertView })
  acknowledge(@Claims() claims: VigilClaims, @Req() req: FastifyRequest, @Param('id') id: string, @Body() body: unknown): Promise<AlertView> {
    return this.alerts.transition(callerOf(claims, req), id, 'acknowledge', body, routeOf(req));
  }

  @Post(':id/resolve')
  @HttpCode(200)
  @ApiOperation({ summary: 'Resolve (idempotent). Emits alert.resolved, visible on every stream.' })
  @ApiBody({ type: AlertTransitionDto, required: false })
  @ApiOkResponse({ type: AlertView })
  resolve(@Claims() claims: VigilClaims, @Req() req: FastifyRequest, @Param('id') id: string, @Body() body: unknown): Promise<AlertView> {
    return this.alerts.transition(callerOf(claims, req), id, 'resolve', body, routeOf(req));
  }
}
