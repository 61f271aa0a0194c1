import { applyDecorators, Body, Controller, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiExtraModels, ApiHeader, ApiOperation, ApiResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Claims, Roles } from '@vigil/auth';
import { currentTraceparent, normalizedTraceparent } from '@vigil/observability';
import { CheckInAccepted, CheckInBatchDto, CheckInDto, PROBLEM_CONTENT_TYPE, VigilClaims } from '@vigil/contracts';
import { BatchResponseDto, CheckInAcceptedDto, ProblemDetailsDto } from './checkins.dto';
import { BatchResponse, CheckInService, RequestContext } from './checkins.service';

export const CHECKIN_SERVICE = Symbol('CheckInService');
export const CHECKINS_PATH = '/v1/check-ins';
/** `:batch` is a custom method (AIP-136); Fastify needs the colon escaped as `::`. */
export const BATCH_PATH = '/v1/check-ins:batch';

const problem = (status: number, description: string) =>
  ApiResponse({ status, description, content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: getSchemaPath(ProblemDetailsDto) } } } });

/** The problems both endpoints can answer, as one decorator. */
const CommonProblems = () =>
  applyDecorators(
    problem(400, 'Invalid JSON or envelope; for one check-in, every invalid field is listed in `errors`'),
    problem(401, 'Missing, invalid or expired token'),
    problem(403, 'Not a patient token, or an organisation this service does not serve'),
    problem(413, 'Body larger than INGEST_MAX_BODY_BYTES / INGEST_MAX_BATCH_BODY_BYTES'),
    problem(415, 'Content-Type is not application/json'),
    problem(503, 'Kafka did not acknowledge in time (Retry-After)'),
  );

function contextOf(req: FastifyRequest): RequestContext {
  // The active span's context when tracing runs (it continues the caller's trace), else the caller's header.
  const traceparent = currentTraceparent() ?? normalizedTraceparent(req.headers['traceparent']);
  return { requestId: req.id, receivedAt: new Date().toISOString(), traceparent };
}

@ApiTags('check-ins')
@ApiBearerAuth()
@ApiExtraModels(ProblemDetailsDto, CheckInAcceptedDto)
@ApiHeader({ name: 'x-request-id', required: false, description: 'Echoed back; generated when absent' })
@Roles('patient')
@Controller()
export class CheckInsController {
  constructor(@Inject(CHECKIN_SERVICE) private readonly service: CheckInService) {}

  @Post(CHECKINS_PATH)
  @HttpCode(202)
  @ApiOperation({
    summary: 'Submit one check-in',
    description:
      'Answered 202 once all in-sync Kafka replicas have it. The patient and organisation come from the token. ' +
      'checkInId is the idempotency key: the same id and body again gets the same answer and no second event; ' +
      'the same id with a different body is a 409.',
  })
  @ApiBody({ type: CheckInDto })
  @ApiResponse({ status: 202, type: CheckInAcceptedDto, description: 'Accepted (or accepted before: the same answer)' })
  @problem(409, 'checkInId already used for a different check-in')
  @problem(429, 'Per-patient rate limit (Retry-After)')
  @CommonProblems()
  create(@Claims() claims: VigilClaims, @Body() body: unknown, @Req() req: FastifyRequest): Promise<CheckInAccepted> {
    return this.service.acceptOne(claims, body, contextOf(req));
  }

  @Post(BATCH_PATH.replace(':batch', '::batch'))
  @HttpCode(200)
  @ApiOperation({
    summary: 'Submit up to 100 check-ins (an offline queue)',
    description:
      'Every item is answered in `results` with the status it would have had alone (202, 400, 409, 429, 503) and its body. ' +
      'Valid items are produced in device-time (recordedAt) order. The request itself fails only when the envelope is ' +
      'invalid (400, e.g. more than 100 items), the token is refused (401/403), or Kafka did not acknowledge (503: retry the batch). ' +
      'Retry-After is set when some items were rate-limited.',
  })
  @ApiBody({ type: CheckInBatchDto })
  @ApiResponse({ status: 200, type: BatchResponseDto, description: 'Per-item results' })
  @CommonProblems()
  async batch(
    @Claims() claims: VigilClaims,
    @Body() body: unknown,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<BatchResponse> {
    const { response, retryAfterSeconds } = await this.service.acceptBatch(claims, body, contextOf(req));
    if (retryAfterSeconds) reply.header('retry-after', String(retryAfterSeconds));
    return response;
  }
}
