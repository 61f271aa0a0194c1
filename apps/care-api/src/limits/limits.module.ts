import { DynamicModule, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import Redis from 'ioredis';
import type { CareConfig } from '../config';
import { LimitsConfig } from './limits.config';
import { RequestRateInterceptor } from './request-rate.interceptor';
import { RequestRateLimiter } from './request-rate.limiter';
import { StreamSlots } from './stream-slots';

/**
 * Abuse limits: the per-user request rate limit on every authenticated route (a global
 * interceptor) and StreamSlots, the stream caps every SSE controller takes a slot from (global:
 * inject it anywhere).
 */
@Module({})
export class LimitsModule {
  /** `redis`: the service's command connection (the counters live beside the alert streams). */
  static forRoot(options: { config: CareConfig; redis: Redis }): DynamicModule {
    return {
      module: LimitsModule,
      global: true,
      providers: [
        { provide: LimitsConfig, useValue: new LimitsConfig(options.config) },
        { provide: Redis, useValue: options.redis },
        RequestRateLimiter,
        RequestRateInterceptor,
        { provide: APP_INTERCEPTOR, useExisting: RequestRateInterceptor },
        StreamSlots,
      ],
      exports: [StreamSlots],
    };
  }
}
