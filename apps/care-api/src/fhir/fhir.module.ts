import { DynamicModule, Module } from '@nestjs/common';
import type { PatientDataService } from '../observations/patient-data.service';
import { FHIR_READ_SERVICE, FhirReadController } from './fhir-read.controller';
import { FhirReadService } from './fhir-read.service';

/** FHIR R4 reads under /fhir/R4, over the same PatientDataService as the JSON endpoints (tenancy, audit). */
@Module({})
export class FhirReadModule {
  static register(data: PatientDataService): DynamicModule {
    return { module: FhirReadModule, controllers: [FhirReadController], providers: [{ provide: FHIR_READ_SERVICE, useValue: new FhirReadService(data) }] };
  }
}
