import {
  ACVPU_CODES,
  bearerSecurity,
  capabilityStatementBase,
  FHIR_MAPPED_FIELDS,
  FHIR_MAX_BUNDLE_ENTRIES,
  fhirProfileUrl,
  QUESTIONNAIRE_CODES,
  VITAL_SIGNS_PROFILE,
} from '@vigil/contracts';

function observationDocs(): string {
  const lines = FHIR_MAPPED_FIELDS.filter((f) => !f.name.startsWith('questionnaires.')).map((f) => {
    const code = f.fhir.panel ? `${f.fhir.panel.code.code} component ${f.fhir.code.code}` : `${f.fhir.code.system}|${f.fhir.code.code}`;
    const also = f.fhir.alsoAccepted?.length ? ` (also ${f.fhir.alsoAccepted.map((c) => c.code).join(', ')})` : '';
    const units = f.ucum ? `; UCUM ${[f.ucum, ...(f.fhir.conversions ?? []).map((c) => c.ucum)].join(', ')}` : '';
    const range = f.range ? `; ${f.range[0]} to ${f.range[1]} ${f.unit ?? ''}`.trimEnd() : '';
    return `- ${f.name}: ${code} ${f.fhir.code.display}${also}${units}${range}`;
  });
  return [
    'Each Observation becomes one check-in on checkins.v1, validated as POST /v1/check-ins is (same ranges, same time window).',
    "Required: status final|amended|corrected, subject Patient/{the token's patient}, effectiveDateTime (or effectiveInstant) with a zone,",
    'an identifier (or id): the idempotency key (a repeat gets the same answer, a changed resource under it is a 409).',
    'SpO2 may carry the pulse-oximetry components 3151-8 (L/min) or 3150-0 (%); above 0 L/min or 21 % is supplemental oxygen.',
    `ACVPU: SNOMED CT ${Object.values(ACVPU_CODES)
      .map((c) => c.code)
      .join(', ')}.`,
    'Refused: other codes and units, value[x] types other than listed, dataAbsentReason, note, hasMember, modifierExtension.',
    ...lines,
  ].join('\n');
}

function questionnaireDocs(): string {
  const lines = Object.entries(QUESTIONNAIRE_CODES).map(
    ([name, q]) =>
      `- ${name}: questionnaire ${q.canonicals.join(' or ')}; items (linkId) ${q.items.join(', ')}` +
      (q.total ? `; optional total ${q.total}` : '') +
      (q.answers ? `; answers valueInteger or valueCoding ${q.answers.join(', ')}` : '; answers valueInteger'),
  );
  return ["Status completed|amended, subject Patient/{the token's patient}, authored with a zone, identifier (or id) as the idempotency key.", ...lines].join(
    '\n',
  );
}

/** GET /fhir/R4/metadata of ingest-api: exactly what it accepts, generated from the field catalogue. */
export function ingestCapabilityStatement(): Record<string, unknown> {
  const profiles = new Set<string>([VITAL_SIGNS_PROFILE]);
  for (const f of FHIR_MAPPED_FIELDS) {
    if (f.fhir.profile) profiles.add(fhirProfileUrl(f.fhir.profile));
    if (f.fhir.panel) profiles.add(fhirProfileUrl(f.fhir.panel.profile));
  }
  return {
    ...capabilityStatementBase('Vigil ingest-api', 'Vigil check-in ingestion: FHIR R4 resources become check-ins'),
    rest: [
      {
        mode: 'server',
        documentation: `Batch and transaction Bundles of up to ${FHIR_MAX_BUNDLE_ENTRIES} POST entries (Observation, QuestionnaireResponse); a transaction is all or nothing. Errors are OperationOutcomes.`,
        security: bearerSecurity('Bearer JWT with role patient: the token decides whose data it is (subject must be that patient).'),
        resource: [
          {
            type: 'Observation',
            profile: 'http://hl7.org/fhir/StructureDefinition/Observation',
            supportedProfile: [...profiles],
            documentation: observationDocs(),
            interaction: [{ code: 'create' }],
          },
          {
            type: 'QuestionnaireResponse',
            profile: 'http://hl7.org/fhir/StructureDefinition/QuestionnaireResponse',
            documentation: questionnaireDocs(),
            interaction: [{ code: 'create' }],
          },
        ],
        interaction: [{ code: 'batch' }, { code: 'transaction' }],
      },
    ],
  };
}
