import { DynamicModule, Module } from '@nestjs/common';
import { WorklistStateRepository } from '@vigil/storage';
import { WorklistChanges } from './worklist-changes';
import { WorklistEventsConsumer } from './worklist-events.consumer';
import { WorklistFanout } from './worklist-fanout';
import { WorklistProjector } from './worklist-projector';
import { WorklistStreamController } from './worklist-stream.controller';
import { WorklistRanked } from './worklist-ranked';
import { WorklistTeamCache } from './worklist-team-cache';
import { CassandraWorklistStream, RedisWorklistStream } from './worklist-stream';
import { WorklistController } from './worklist.controller';
import { WorklistMetrics } from './worklist.metrics';
import { WorklistService } from './worklist.service';
import { WorklistInfra, WorklistSettings } from './worklist.wiring';

/**
 * The care team's worklist (apps/care-api/README.md "Worklist"): the consumer that folds events
 * into per-patient state (WorklistProjector on its own KafkaBatchServer, see
 * createWorklistConsumer), GET /v1/worklist and the /v1/worklist/stream SSE feed.
 */
@Module({})
export class WorklistModule {
  static register(infra: WorklistInfra, settings: WorklistSettings): DynamicModule {
    return {
      module: WorklistModule,
      controllers: [WorklistController, WorklistStreamController, WorklistEventsConsumer],
      providers: [
        { provide: WorklistInfra, useValue: infra },
        { provide: WorklistSettings, useValue: settings },
        { provide: WorklistStateRepository, useFactory: (i: WorklistInfra) => new WorklistStateRepository(i.cassandra, i.keyspace), inject: [WorklistInfra] },
        WorklistMetrics,
        RedisWorklistStream,
        CassandraWorklistStream,
        WorklistChanges,
        WorklistProjector,
        WorklistTeamCache,
        WorklistRanked,
        WorklistService,
        WorklistFanout,
      ],
    };
  }
}
