import { type DynamicModule, Module } from '@nestjs/common';
import type { Client } from 'cassandra-driver';
import { CursorSigner } from '@vigil/http';
import { EventPublisher } from '@vigil/messaging';
import { ContactsRepository } from '@vigil/storage';
import { AlertsService } from '../alerts/alerts.service';
import { AuditService } from '../audit/audit.service';
import { CareMetrics } from '../common/metrics';
import { RiskRepository } from '../observations/risk.repository';
import { PatientAccess } from '../patients/patient-access';
import { ContactsController } from './contacts.controller';
import { ContactsService } from './contacts.service';

/** What the contacts feature shares with the rest of care-api (still built in createCareApp). */
export interface ContactsModuleDeps {
  cassandra: Client;
  keyspace: string;
  alerts: AlertsService;
  access: PatientAccess;
  audit: AuditService;
  publisher: EventPublisher;
  risk: RiskRepository;
  cursors: CursorSigner;
  metrics: CareMetrics;
}

/**
 * POST and GET /v1/patients/{id}/contacts. ContactsService and the controller are Nest-built; the
 * services they share with the rest of the app are handed in under their class tokens until those
 * become providers of their own modules, when `register` shrinks to `imports`.
 */
@Module({})
export class ContactsModule {
  static register(deps: ContactsModuleDeps): DynamicModule {
    return {
      module: ContactsModule,
      controllers: [ContactsController],
      providers: [
        ContactsService,
        { provide: ContactsRepository, useFactory: () => new ContactsRepository(deps.cassandra, deps.keyspace) },
        { provide: AlertsService, useValue: deps.alerts },
        { provide: PatientAccess, useValue: deps.access },
        { provide: AuditService, useValue: deps.audit },
        { provide: EventPublisher, useValue: deps.publisher },
        { provide: RiskRepository, useValue: deps.risk },
        { provide: CursorSigner, useValue: deps.cursors },
        { provide: CareMetrics, useValue: deps.metrics },
      ],
    };
  }
}
