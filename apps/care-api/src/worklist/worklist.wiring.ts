/**
 * What the worklist module is given by createCareApp: the process's clients and the services it
 * shares with the rest of care-api (class tokens, so providers take them by type), and its settings.
 * When the infrastructure clients become library providers (issue #21), only these two change.
 */
import type { Client } from 'cassandra-driver';
import type Redis from 'ioredis';
import type { CursorSigner } from '@vigil/http';
import type { Logger, VigilMetrics } from '@vigil/observability';
import type { AuditService } from '../audit/audit.service';
import type { CareMetrics } from '../common/metrics';

export abstract class WorklistInfra {
  abstract readonly cassandra: Client;
  abstract readonly keyspace: string;
  /** Commands (fail fast while Redis is away). */
  abstract readonly redis: Redis;
  /** A dedicated connection in subscriber mode (may be shared with the alert fan-out). */
  abstract readonly subscriber: Redis;
  abstract readonly audit: AuditService;
  abstract readonly cursors: CursorSigner;
  abstract readonly logger: Logger;
  abstract readonly vigil: VigilMetrics;
  abstract readonly metrics: CareMetrics;
}

export abstract class WorklistSettings {
  abstract readonly keyPrefix: string;
  /** Entries kept in each tenant's Redis worklist stream; older resumes come from Cassandra. */
  abstract readonly streamMaxLen: number;
  /** How long Redis remembers that a (patient, version) change was streamed. */
  abstract readonly dedupeTtlSeconds: number;
  abstract readonly resumeMaxDays: number;
  /** Patients of one consumed batch folded at once (a patient's events stay in order). */
  abstract readonly consumerConcurrency: number;
  /** State rows the projector keeps in memory (default STATE_CACHE_MAX; 0: read every time). */
  abstract readonly stateCacheSize?: number;
  abstract readonly sseHeartbeatMs: number;
  abstract readonly sseRetryMs: number;
  abstract readonly sseMaxBufferedBytes: number;
  abstract readonly commandTimeoutMs: number;
  abstract readonly fanoutPollMs?: number;
  abstract isDraining(): boolean;
}
