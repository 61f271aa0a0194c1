import { DynamicModule, Module } from '@nestjs/common';
import type { CheckInService } from '../checkins/checkins.service';
import { FHIR_INGEST_SERVICE, FhirIngestController } from './fhir.controller';
import { FhirIngestService } from './fhir-ingest.service';

/** FHIR R4 under /fhir/R4: resources in, check-ins out, through the app's one CheckInService. */
@Module({})
export class FhirIngestModule {
  static register(checkIns: CheckInService): DynamicModule {
    return {
      module: FhirIngestModule,
      controllers: [FhirIngestController],
      providers: [{ provide: FHIR_INGEST_SERVICE, useValue: new FhirIngestService(checkIns) }],
    };
  }
}
