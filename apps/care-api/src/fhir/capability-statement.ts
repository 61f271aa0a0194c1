import { bearerSecurity, capabilityStatementBase, fhirProfileUrl, VITAL_SIGNS_PROFILE } from '@vigil/contracts';
import { SERVED_OBSERVATIONS } from './observation-resources';

/** GET /fhir/R4/metadata of care-api: the two searches it serves, generated from the field catalogue. */
export function careCapabilityStatement(): Record<string, unknown> {
  const profiles = new Set<string>([VITAL_SIGNS_PROFILE]);
  for (const k of SERVED_OBSERVATIONS) {
    const p = k.metrics.length === 2 ? k.field.fhir.panel?.profile : k.field.fhir.profile;
    if (p) profiles.add(fhirProfileUrl(p));
  }
  const codes = SERVED_OBSERVATIONS.map((k) => `${k.code.system}|${k.code.code} (${k.code.display})`).join('; ');
  const date = { name: 'date', type: 'date', documentation: 'Device time; prefixes ge, gt, le, lt, eq; at most one window. Default: the 90 days before now.' };
  const page = { name: '_count', type: 'number', documentation: 'Page size, 1 to 500 (default 50); follow the next link for more.' };
  return {
    ...capabilityStatementBase('Vigil care-api', 'Vigil care data for care teams and partner systems: stored observation series and risk scores'),
    rest: [
      {
        mode: 'server',
        documentation: "Searches only, for one patient of the token's organisation at a time (another organisation's patient is a 404). Every read is audited.",
        security: bearerSecurity('Bearer JWT with role care-manager or care-admin; the organisation comes from the token.'),
        resource: [
          {
            type: 'Observation',
            profile: 'http://hl7.org/fhir/StructureDefinition/Observation',
            supportedProfile: [...profiles],
            documentation: `Served codes: ${codes}. Blood pressure is the 85354-9 panel with systolic and diastolic components.`,
            interaction: [{ code: 'search-type' }],
            searchParam: [
              { name: 'patient', type: 'reference', documentation: 'Required: Patient/{id} or {id}.' },
              { name: 'code', type: 'token', documentation: 'system|code or code, comma-separated; default all served codes.' },
              date,
              page,
            ],
          },
          {
            type: 'RiskAssessment',
            profile: 'http://hl7.org/fhir/StructureDefinition/RiskAssessment',
            documentation:
              'One per scored check-in: method = model version, prediction[0] = score and level, then one prediction and one basis entry per factor.',
            interaction: [{ code: 'search-type' }],
            searchParam: [{ name: 'subject', type: 'reference', documentation: 'Required (or patient): Patient/{id} or {id}.' }, date, page],
          },
        ],
      },
    ],
  };
}
