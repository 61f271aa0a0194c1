import { BeforeApplicationShutdown, DynamicModule, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { ObservabilityModule } from '@vigil/observability';
import { SCORER_RUNTIME, type ScorerRuntime } from './runtime';
import { Scorer } from './scorer';
import { ScorerConsumerController } from './scorer.controller';
import { SERVICE_NAME } from './telemetry';

/**
 * Shutdown order (SIGTERM with enableShutdownHooks, or app.close()): the engagement tick stops
 * first (beforeApplicationShutdown), then Nest closes the HTTP server and the Kafka transport,
 * which drains in-flight batches and commits, and only then are Kafka, Cassandra and Redis clients
 * closed (onApplicationShutdown), since the draining handlers still need them.
 */
@Injectable()
class ScorerLifecycle implements BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(@Inject(SCORER_RUNTIME) private readonly rt: ScorerRuntime) {}

  async beforeApplicationShutdown(): Promise<void> {
    await this.rt.engagement.stop();
  }

  async onApplicationShutdown(signal?: string): Promise<void> {
    await this.rt.close();
    this.rt.log.info({ signal: signal ?? null }, 'risk-scorer stopped');
  }
}

@Module({})
export class ScorerModule {
  static register(runtime: ScorerRuntime): DynamicModule {
    return {
      module: ScorerModule,
      imports: [
        // GET /health/live, /health/ready, /metrics on the HTTP app beside the Kafka transport.
        // Ready: the consumer joined its group, the producer is connected, Cassandra answers.
        // Redis is not a readiness dependency: it only elects the engagement tick's leader.
        ObservabilityModule.forRoot({
          serviceName: SERVICE_NAME,
          metrics: runtime.metrics.vigil,
          logger: runtime.logger,
          readiness: [
            { name: 'kafka-consumer', check: () => runtime.server.isReady() },
            { name: 'kafka-producer', check: () => runtime.publisher.isConnected() },
            { name: 'cassandra', check: () => runtime.store.ping() },
          ],
        }),
      ],
      controllers: [ScorerConsumerController],
      providers: [{ provide: SCORER_RUNTIME, useValue: runtime }, { provide: Scorer, useValue: runtime.scorer }, ScorerLifecycle],
    };
  }
}
