import { ID_PATTERN, PatientProfile } from '@vigil/contracts';
import { ProblemException } from '@vigil/http';
import { auditRecordOf, type AuditService } from '../audit/audit.service';
import type { Caller } from '../common/caller';
import type { PatientsRepository } from './patients.repository';

export function patientNotFound(): ProblemException {
  return ProblemException.of('notFound', 'no such patient');
}

/**
 * The one gate to a patient's data: the patient row is looked up under the CALLER's tenant (another
 * organisation's patient simply does not exist here) and its care team must be one of the caller's
 * teams. Both failures are the same 404, so a caller cannot probe ids of other teams or tenants.
 * A denial is audited (best effort: it discloses nothing).
 */
export class PatientAccess {
  constructor(
    private readonly patients: PatientsRepository,
    private readonly audit: AuditService,
  ) {}

  async require(caller: Caller, patientId: string, action: string, resource: string): Promise<PatientProfile> {
    if (!ID_PATTERN.test(patientId)) throw patientNotFound();
    const p = await this.patients.get(caller.tenantId, patientId);
    if (p && caller.teams.has(p.careTeamId)) return p;
    await this.audit.recordBestEffort(auditRecordOf(caller, action, [patientId], resource, p ? 'denied' : 'not_found'));
    throw patientNotFound();
  }
}
