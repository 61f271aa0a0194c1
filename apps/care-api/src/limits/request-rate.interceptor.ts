import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Observable } from 'rxjs';
import { claimsOf } from '@vigil/auth';
import { ProblemException } from '@vigil/http';
import { RequestRateLimiter } from './request-rate.limiter';

/**
 * Every authenticated HTTP request takes one from its user's budget (RequestRateLimiter); over it,
 * a 429 problem with Retry-After. Runs after the guards, so the user is the verified token's
 * (a forged token cannot spend someone else's budget) and open routes (health, metrics) are free.
 */
@Injectable()
export class RequestRateInterceptor implements NestInterceptor {
  constructor(private readonly limiter: RequestRateLimiter) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    if (context.getType() !== 'http') return next.handle();
    const http = context.switchToHttp();
    const claims = claimsOf(http.getRequest());
    if (!claims) return next.handle();
    const decision = await this.limiter.take(claims.org, claims.sub);
    const reply = http.getResponse<FastifyReply>();
    void reply.header('x-ratelimit-limit', String(this.limiter.limits.requestsPerWindow));
    void reply.header('x-ratelimit-remaining', String(decision.remaining));
    if (!decision.allowed) {
      throw ProblemException.of(
        'rateLimited',
        `more than ${this.limiter.limits.requestsPerWindow} requests in ${this.limiter.limits.windowSeconds} s; retry later`,
        {
          retryAfterSeconds: decision.retryAfterSeconds,
        },
      );
    }
    return next.handle();
  }
}
