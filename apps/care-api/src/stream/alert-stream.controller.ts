import { Controller, Get, HttpCode, Inject, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Claims, credentialExpiryOf, Roles } from '@vigil/auth';
import { REQUEST_ID_HEADER, type VigilClaims } from '@vigil/contracts';
import { ProblemException, SSE_HEADERS } from '@vigil/http';
import { AlertStreamQueryDto, StreamTicketView } from '../alerts/alerts.dto';
import { auditRecordOf, type AuditService } from '../audit/audit.service';
import { callerOf, routeOf } from '../common/caller';
import { validQuery } from '../common/query';
import { ALERT_FANOUT, AUDIT_SERVICE, CARE_SETTINGS, type CareSettings, STREAM_TICKETS } from '../common/tokens';
import { StreamSlots } from '../limits/stream-slots';
import { resumePositionOf } from './resume-position';
import type { AlertFanout } from './fanout';
import type { StreamTickets } from './stream-tickets';

export { STREAM_PATH } from './stream-credentials';

@ApiTags('alerts')
@ApiBearerAuth()
@Controller('v1/alerts')
export class AlertStreamController {
  constructor(
    @Inject(ALERT_FANOUT) private readonly fanout: AlertFanout,
    @Inject(AUDIT_SERVICE) private readonly audit: AuditService,
    @Inject(CARE_SETTINGS) private readonly settings: CareSettings,
    @Inject(STREAM_TICKETS) private readonly tickets: StreamTickets,
    private readonly slots: StreamSlots,
  ) {}

  @Post('stream-tickets')
  @HttpCode(201)
  @Roles('care-manager', 'care-admin')
  @ApiOperation({
    summary: 'A short-lived, single-use ticket to open the alert stream with (GET /v1/alerts/stream?ticket=)',
    description:
      'EventSource cannot send the Authorization header, and a token in a URL ends up in logs: the ticket stands for your token, once, for a few seconds.',
  })
  @ApiCreatedResponse({ type: StreamTicketView })
  issueTicket(@Claims() claims: VigilClaims, @Req() req: FastifyRequest): Promise<StreamTicketView> {
    return this.tickets.issue({ claims, tokenExpiresAtMs: credentialExpiryOf(req) ?? Date.now() });
  }

  @Get('stream')
  @Roles('care-manager', 'care-admin')
  @ApiOperation({
    summary: "Server-Sent Events of your teams' alerts",
    description:
      'Events: `alert` (data: AlertStreamData; `id` = its stream cursor; `type` alert.raised, alert.updated, alert.acknowledged or alert.resolved) and `ready` (once caught up; its id is the position reached). ' +
      '`alert.updated` (model v2) is new evidence for an alert already raised (same alertId, `update` set): update it in place, never show a second alert. ' +
      'Reconnect with Last-Event-ID (or ?lastEventId=) to receive, in order, every alert event you missed, then the live feed. ' +
      'Heartbeat comments every 15 s.',
  })
  @ApiProduces('text/event-stream')
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'The id of the last event received' })
  async stream(@Claims() claims: VigilClaims, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query() query: AlertStreamQueryDto): Promise<void> {
    const q = validQuery(AlertStreamQueryDto, query);
    const cursor = resumePositionOf(req, q.lastEventId);
    if (this.settings.isDraining()) throw ProblemException.of('unavailable', 'shutting down; reconnect', { retryAfterSeconds: 1 });
    const caller = callerOf(claims, req);
    // Per-user, per-organisation and per-instance caps (429 / 503); the slot frees when the response closes.
    this.slots.hold(reply.raw, caller);
    // The subscription is audited (who watched which teams' feed, from when); fail closed.
    await this.audit.record(
      auditRecordOf(caller, 'alerts.stream.subscribe', [], `${routeOf(req)} teams=${[...caller.teams].sort().join(',')}${cursor ? ` from=${cursor}` : ''}`),
    );
    await this.fanout.acquire(caller.tenantId);
    reply.hijack();
    reply.raw.writeHead(200, { ...SSE_HEADERS, [REQUEST_ID_HEADER]: caller.requestId });
    await this.fanout.open(reply.raw, caller.tenantId, caller.teams, cursor, credentialExpiryOf(req));
  }
}
