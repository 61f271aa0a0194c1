import type { CareConfig } from '../config';

/** The abuse limits of care-api (README "Security"), from its configuration. */
export class LimitsConfig {
  /** Requests one user may make per window, across every instance (Redis). */
  readonly requestsPerWindow: number;
  readonly windowSeconds: number;
  /** Open SSE streams (alerts and worklist together) on one instance: in all, per organisation, per user. */
  readonly streamsPerInstance: number;
  readonly streamsPerTenant: number;
  readonly streamsPerUser: number;
  /** Retry-After of a refused stream (a slot frees when another stream of the same scope ends). */
  readonly streamRetryAfterSeconds: number;
  readonly redisKeyPrefix: string;

  constructor(
    config: Pick<
      CareConfig,
      | 'RATE_LIMIT_REQUESTS'
      | 'RATE_LIMIT_WINDOW_SECONDS'
      | 'SSE_MAX_CONNECTIONS'
      | 'SSE_MAX_STREAMS_PER_TENANT'
      | 'SSE_MAX_STREAMS_PER_USER'
      | 'RETRY_AFTER_SECONDS'
      | 'REDIS_KEY_PREFIX'
    >,
  ) {
    this.requestsPerWindow = config.RATE_LIMIT_REQUESTS;
    this.windowSeconds = config.RATE_LIMIT_WINDOW_SECONDS;
    this.streamsPerInstance = config.SSE_MAX_CONNECTIONS;
    this.streamsPerTenant = config.SSE_MAX_STREAMS_PER_TENANT;
    this.streamsPerUser = config.SSE_MAX_STREAMS_PER_USER;
    this.streamRetryAfterSeconds = config.RETRY_AFTER_SECONDS;
    this.redisKeyPrefix = config.REDIS_KEY_PREFIX;
  }
}

/** `org/sub`, each part escaped: ids may contain `:`, never `/` once escaped. */
export function userKey(tenantId: string, sub: string): string {
  return `${encodeURIComponent(tenantId)}/${encodeURIComponent(sub)}`;
}
