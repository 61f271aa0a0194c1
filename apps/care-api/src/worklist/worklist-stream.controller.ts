import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Claims, credentialExpiryOf, Roles } from '@vigil/auth';
import { REQUEST_ID_HEADER, type VigilClaims } from '@vigil/contracts';
import { ProblemException, SSE_HEADERS } from '@vigil/http';
import { AlertStreamQueryDto } from '../alerts/alerts.dto';
import { auditRecordOf } from '../audit/audit.service';
import { callerOf, routeOf } from '../common/caller';
import { validQuery } from '../common/query';
import { StreamSlots } from '../limits/stream-slots';
import { resumePositionOf } from '../stream/resume-position';
import { WorklistFanout } from './worklist-fanout';
import { WorklistInfra, WorklistSettings } from './worklist.wiring';

@ApiTags('worklist')
@ApiBearerAuth()
@Controller('v1/worklist')
export class WorklistStreamController {
  constructor(
    private readonly fanout: WorklistFanout,
    private readonly infra: WorklistInfra,
    private readonly settings: WorklistSettings,
    private readonly slots: StreamSlots,
  ) {}

  @Get('stream')
  @Roles('care-manager', 'care-admin')
  @ApiOperation({
    summary: "Server-Sent Events of your teams' worklist changes",
    description:
      "Events: `worklist` (data: WorklistStreamData: `upsert` replaces the patient's row with `entry`, `remove` drops it; `id` = its stream cursor) " +
      'and `ready` (once caught up; its id is the position reached). Open it with a ticket from POST /v1/alerts/stream-tickets (`?ticket=`), ' +
      'or the Authorization header. Reconnect with Last-Event-ID (or ?lastEventId=) to receive, in order, every change you missed, then the live feed; ' +
      'keep the highest `version` per patient. Heartbeat comments every 15 s.',
  })
  @ApiProduces('text/event-stream')
  // Documented by hand: the handler writes the SSE stream itself, so Nest infers no response body.
  @ApiOkResponse({
    description: 'The event stream: `worklist` and `ready` events, heartbeat comments',
    content: { 'text/event-stream': { schema: { type: 'string' } } },
  })
  @ApiResponse({ status: 429, description: 'Too many open streams for this user or organisation (problem+json, Retry-After)' })
  @ApiResponse({ status: 503, description: 'This instance is at its stream cap or shutting down (problem+json, Retry-After): reconnect' })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'The id of the last event received' })
  async stream(@Claims() claims: VigilClaims, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query() query: AlertStreamQueryDto): Promise<void> {
    const q = validQuery(AlertStreamQueryDto, query);
    const cursor = resumePositionOf(req, q.lastEventId);
    if (this.settings.isDraining()) throw ProblemException.of('unavailable', 'shutting down; reconnect', { retryAfterSeconds: 1 });
    const caller = callerOf(claims, req);
    // The same per-user, per-organisation and per-instance caps as the alert stream, counted together (429 / 503).
    this.slots.hold(reply.raw, caller);
    // The subscription is audited (who watched which teams' worklist, from when); fail closed.
    await this.infra.audit.record(
      auditRecordOf(caller, 'worklist.stream.subscribe', [], `${routeOf(req)} teams=${[...caller.teams].sort().join(',')}${cursor ? ` from=${cursor}` : ''}`),
    );
    await this.fanout.acquire(caller.tenantId);
    reply.hijack();
    reply.raw.writeHead(200, { ...SSE_HEADERS, [REQUEST_ID_HEADER]: caller.requestId });
    await this.fanout.open(reply.raw, caller.tenantId, caller.teams, cursor, credentialExpiryOf(req));
  }
}
