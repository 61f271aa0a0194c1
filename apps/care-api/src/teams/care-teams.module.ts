import { DynamicModule, Module } from '@nestjs/common';
import { CareTeamsRepository } from '@vigil/storage';
import { CareTeamsController } from './care-teams.controller';
import { CareTeamsService } from './care-teams.service';

/** The team registry: GET /v1/teams, PUT /v1/teams/{teamId}. */
@Module({})
export class CareTeamsModule {
  /** `repository` is the one the patients service checks moves against (the same table). */
  static register(repository: CareTeamsRepository): DynamicModule {
    return {
      module: CareTeamsModule,
      controllers: [CareTeamsController],
      providers: [{ provide: CareTeamsRepository, useValue: repository }, CareTeamsService],
      exports: [CareTeamsService],
    };
  }
}
