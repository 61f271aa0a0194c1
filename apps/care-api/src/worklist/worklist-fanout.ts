import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import type { WorklistStreamData } from '@vigil/contracts';
import { StreamFanout } from '../stream/fanout';
import { CassandraWorklistStream, RedisWorklistStream, worklistDataFor } from './worklist-stream';
import { WorklistInfra, WorklistSettings } from './worklist.wiring';

/** The worklist stream's fan-out to this instance's SSE clients (the alert stream's machinery: see StreamFanout). */
@Injectable()
export class WorklistFanout extends StreamFanout<WorklistStreamData> implements BeforeApplicationShutdown {
  constructor(live: RedisWorklistStream, durable: CassandraWorklistStream, infra: WorklistInfra, settings: WorklistSettings) {
    super({
      streams: { live, durable, eventName: 'worklist', select: worklistDataFor },
      subscriber: infra.subscriber,
      logger: infra.logger,
      metrics: infra.metrics,
      vigil: infra.vigil,
      heartbeatMs: settings.sseHeartbeatMs,
      retryMs: settings.sseRetryMs,
      maxBufferedBytes: settings.sseMaxBufferedBytes,
      resumeMaxDays: settings.resumeMaxDays,
      pollMs: settings.fanoutPollMs,
      commandTimeoutMs: settings.commandTimeoutMs,
    });
  }

  /** Streams end cleanly before HTTP closes (clients resume elsewhere with Last-Event-ID). */
  async beforeApplicationShutdown(): Promise<void> {
    await this.close();
  }
}
