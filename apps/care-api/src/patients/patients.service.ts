import { randomUUID } from 'crypto';
import {
  createEvent,
  DEFAULT_EXPECTED_CHECKIN_INTERVAL_HOURS,
  EVENT_SOURCES,
  EVENT_TYPES,
  ID_PATTERN,
  PatientProfile,
  PatientProfileDto,
  TOPICS,
  validateDto,
} from '@vigil/contracts';
import { ProblemException } from '@vigil/http';
import type { EventPublisher } from '@vigil/messaging';
import { currentTraceparent } from '@vigil/observability';
import type { CareTeamsRepository } from '@vigil/storage';
import { auditRecordOf, type AuditService } from '../audit/audit.service';
import type { Caller } from '../common/caller';
import type { CareMetrics } from '../common/metrics';
import { type PatientAccess, patientNotFound } from './patient-access';
import type { PatientsRepository } from './patients.repository';

export interface PutResult {
  created: boolean;
  changed: boolean;
  profile: PatientProfile;
}

function sameProfile(a: PatientProfile, b: PatientProfile): boolean {
  const strip = ({ updatedAt: _u, ...rest }: PatientProfile) => JSON.stringify({ ...rest, conditions: [...rest.conditions].sort() });
  return strip(a) === strip(b);
}

export type ProfileView = Omit<PatientProfile, 'tenantId'>;

/** The tenant id is the caller's own: answers leave it out. */
export function toView(p: PatientProfile): ProfileView {
  const { tenantId: _t, ...view } = p;
  return view;
}

export class PatientsService {
  constructor(
    private readonly repo: PatientsRepository,
    private readonly publisher: Pick<EventPublisher, 'publish'>,
    private readonly access: PatientAccess,
    private readonly audit: AuditService,
    private readonly metrics: CareMetrics,
    private readonly teams: Pick<CareTeamsRepository, 'existing'>,
  ) {}

  /**
   * PUT /v1/patients/{id} (care-admin): enrol, or update, a patient of the caller's organisation.
   * Least privilege: the target team must be one the caller's token holds (403) and registered in
   * the organisation (400: a mistyped team would hide the patient from every dashboard); an existing
   * patient of a team the caller does not hold is a 404, as for every other read (audited as denied).
   * A move is audited for both teams. The same profile again changes nothing and emits nothing. Otherwise the
   * whole profile goes to patients.v1 FIRST (acks from all in-sync replicas), then to Cassandra: a
   * failed publish changes nothing (503), and a failed write after a publish is healed by the
   * client's retry (the stored profile still differs, so it is published and written again).
   */
  async put(caller: Caller, patientId: string, body: unknown, resource: string): Promise<PutResult> {
    if (!ID_PATTERN.test(patientId)) {
      throw ProblemException.of('validation', 'invalid patient id', { errors: [{ path: 'id', message: 'must match ^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$' }] });
    }
    const result = validateDto(PatientProfileDto, body ?? {});
    if (!result.ok) throw ProblemException.of('validation', 'invalid patient profile', { errors: result.errors });
    const dto = result.value;
    if (!caller.teams.has(dto.careTeamId)) {
      throw ProblemException.of('forbidden', 'you may enrol patients only into a care team your token holds', {
        errors: [{ path: 'careTeamId', message: 'not one of your teams' }],
      });
    }
    const [known, existing] = await Promise.all([this.teams.existing(caller.tenantId, [dto.careTeamId]), this.repo.get(caller.tenantId, patientId)]);
    if (existing && !caller.teams.has(existing.careTeamId)) {
      await this.audit.recordBestEffort({ ...auditRecordOf(caller, 'patient.profile.put', [patientId], resource, 'denied'), careTeamId: existing.careTeamId });
      throw patientNotFound();
    }
    if (!known.has(dto.careTeamId)) {
      throw ProblemException.of('validation', 'no such care team in your organisation (register it with PUT /v1/teams/{teamId})', {
        errors: [{ path: 'careTeamId', message: 'not a registered care team' }],
      });
    }
    const now = Date.now();
    // updatedAt is the cell timestamp too: it must grow with every change of this patient.
    const updatedAtMs = existing ? Math.max(now, Date.parse(existing.updatedAt) + 1) : now;
    const profile: PatientProfile = {
      patientId,
      tenantId: caller.tenantId,
      careTeamId: dto.careTeamId,
      conditions: [...dto.conditions],
      news2SpO2Scale: dto.news2SpO2Scale,
      expectedCheckInIntervalHours: dto.expectedCheckInIntervalHours ?? DEFAULT_EXPECTED_CHECKIN_INTERVAL_HOURS,
      status: 'active',
      updatedAt: new Date(updatedAtMs).toISOString(),
    };
    if (dto.dryWeightKg !== undefined) profile.dryWeightKg = dto.dryWeightKg;

    const audit = (action: string) => this.audit.record({ ...auditRecordOf(caller, action, [patientId], resource), careTeamId: profile.careTeamId });

    if (existing && sameProfile(existing, profile)) {
      this.metrics.enrolments.inc({ outcome: 'unchanged' });
      await audit('patient.profile.put-unchanged');
      return { created: false, changed: false, profile: existing };
    }
    const enrol = !existing || existing.status !== 'active';
    const event = createEvent({
      id: randomUUID(),
      source: EVENT_SOURCES.careApi,
      type: enrol ? EVENT_TYPES.patientEnrolled : EVENT_TYPES.patientUpdated,
      subject: patientId,
      time: profile.updatedAt,
      tenantid: caller.tenantId,
      data: profile,
      traceparent: currentTraceparent(),
    });
    await this.publisher.publish(TOPICS.patients, event);
    await this.repo.upsert(profile, existing?.careTeamId ?? null);
    this.metrics.enrolments.inc({ outcome: enrol ? 'enrolled' : 'updated' });
    const from = existing?.careTeamId;
    if (from !== undefined && from !== profile.careTeamId) {
      // One record in each team's trail: the team that lost the patient and the one that gained it.
      const moved = `${resource} from=${from} to=${profile.careTeamId}`;
      await Promise.all([
        this.audit.record({ ...auditRecordOf(caller, 'patient.move.out', [patientId], moved), careTeamId: from }),
        this.audit.record({ ...auditRecordOf(caller, 'patient.move.in', [patientId], moved), careTeamId: profile.careTeamId }),
      ]);
    } else {
      await audit(enrol ? 'patient.enrol' : 'patient.update');
    }
    return { created: !existing, changed: true, profile };
  }

  /** GET /v1/patients/{id}: the profile, audited. */
  async get(caller: Caller, patientId: string, resource: string): Promise<PatientProfile> {
    const action = 'patient.profile.read';
    const p = await this.access.require(caller, patientId, action, resource);
    await this.audit.record(auditRecordOf(caller, action, [patientId], resource));
    return p;
  }
}
