import { DynamicModule, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import type { Client } from 'cassandra-driver';
import type { Logger, VigilMetrics } from '@vigil/observability';
import { ObservabilityModule } from '@vigil/observability';
import { CheckInArchiveRepository, ObservationRepository } from '@vigil/storage';
import { CheckInBatchWriter } from './checkin-batch.writer';
import { CheckInConsumer } from './checkin.consumer';
import { WriterMetrics } from './writer.metrics';
import { CASSANDRA_CLIENT } from './writer.tokens';

export interface WriterModuleOptions {
  cassandra: Client;
  keyspace: string;
  concurrency: number;
  groupId: string;
  consumerReady: () => boolean;
  metrics: VigilMetrics;
  logger?: Logger;
}

const WRITER_LOGGER = Symbol('WRITER_LOGGER');

/**
 * Closes the Cassandra client last: Nest closes the microservice (the transport drains in-flight
 * batches and commits their offsets) before it calls shutdown hooks. Then says so in the log.
 */
class CassandraLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(CASSANDRA_CLIENT) private readonly client: Client,
    @Inject(WRITER_LOGGER) private readonly logger: Logger | undefined,
  ) {}
  async onApplicationShutdown(signal?: string): Promise<void> {
    await this.client.shutdown();
    this.logger?.info({ signal: signal ?? 'none' }, 'timeseries-writer stopped: in-flight batches drained and committed, Cassandra closed');
  }
}

@Module({})
export class WriterModule {
  static forRoot(o: WriterModuleOptions): DynamicModule {
    const observations = new ObservationRepository(o.cassandra, o.keyspace, { concurrency: o.concurrency });
    const archive = new CheckInArchiveRepository(o.cassandra, o.keyspace, { concurrency: o.concurrency });
    return {
      module: WriterModule,
      imports: [
        // GET /health/live, /health/ready (Cassandra answers, consumer joined its group), /metrics.
        ObservabilityModule.forRoot({
          serviceName: 'timeseries-writer',
          logger: o.logger,
          metrics: o.metrics,
          readiness: [
            {
              name: 'cassandra',
              check: async () => void (await o.cassandra.execute('SELECT release_version FROM system.local', [], { prepare: true, readTimeout: 2000 })),
            },
            { name: 'kafka-consumer', check: () => o.consumerReady() },
          ],
        }),
      ],
      controllers: [CheckInConsumer],
      providers: [
        { provide: CASSANDRA_CLIENT, useValue: o.cassandra },
        { provide: WRITER_LOGGER, useValue: o.logger },
        { provide: WriterMetrics, useValue: new WriterMetrics(o.metrics, o.groupId) },
        { provide: CheckInBatchWriter, useValue: new CheckInBatchWriter(o.cassandra, observations, archive, o.concurrency) },
        CassandraLifecycle,
      ],
    };
  }
}
