import type { FieldError } from '@vigil/contracts';

/** A FHIR resource as the check-in it becomes, with where each check-in field came from in the resource. */
export interface MappedCheckIn {
  /** The check-in body, not yet validated: the check-in service's rules (ranges, time window) decide. */
  checkIn: { checkInId: string; recordedAt: string } & Record<string, unknown>;
  /** Check-in field path (`vitals.weightKg`) -> FHIRPath in the request (`Observation.valueQuantity.value`). */
  paths: Record<string, string>;
  resourceType: 'Observation' | 'QuestionnaireResponse';
  /** The id Vigil gives the resource (care-api serves an Observation under the same id). */
  id: string;
  /** The FHIRPath of the resource in the request (`Observation`, `Bundle.entry[2].resource`). */
  base: string;
}

/**
 * The check-in service reports errors by check-in path (`items.3.vitals.weightKg`); a FHIR sender
 * wants the element it sent. `root` is the prefix the service put before the path.
 */
export function fhirErrors(errors: FieldError[], mapped: MappedCheckIn[], root: (i: number) => string): FieldError[] {
  return errors.map((e) => {
    for (const [i, m] of mapped.entries()) {
      const prefix = root(i);
      if (prefix && e.path !== prefix && !e.path.startsWith(`${prefix}.`)) continue;
      const rest = prefix ? e.path.slice(prefix.length + 1) : e.path;
      const hit = Object.keys(m.paths).find((p) => rest === p || rest.startsWith(`${p}.`)) ?? Object.keys(m.paths).find((p) => p.startsWith(`${rest}.`));
      return { path: hit ? m.paths[hit] : m.base, message: e.message };
    }
    return e;
  });
}
