import { type FhirRiskAssessment, type RiskLevel, type RiskPointView, VIGIL_FHIR_CANONICAL_BASE } from '@vigil/contracts';

const RISK_PROBABILITY = 'http://terminology.hl7.org/CodeSystem/risk-probability';
export const RISK_MODEL_SYSTEM = `${VIGIL_FHIR_CANONICAL_BASE}/CodeSystem/risk-model`;
export const RISK_LEVEL_SYSTEM = `${VIGIL_FHIR_CANONICAL_BASE}/CodeSystem/risk-level`;
export const RISK_FACTOR_SYSTEM = `${VIGIL_FHIR_CANONICAL_BASE}/CodeSystem/risk-factor`;

/** Our levels on HL7's qualitative scale (critical is "high" there: "certain" would claim what a score cannot). */
const PROBABILITY: Record<RiskLevel, { code: string; display: string }> = {
  none: { code: 'negligible', display: 'Negligible likelihood' },
  low: { code: 'low', display: 'Low likelihood' },
  medium: { code: 'moderate', display: 'Moderate likelihood' },
  high: { code: 'high', display: 'High likelihood' },
  critical: { code: 'high', display: 'High likelihood' },
};

/** FHIR ids are [A-Za-z0-9.-]{1,64}: a model version is made to fit. */
const idPart = (s: string) => s.replace(/[^A-Za-z0-9.-]/g, '-').slice(0, 24);

/**
 * One stored score as a RiskAssessment: the model version is the method, the level the qualitative
 * risk of the main prediction, each factor a basis entry (what the nurse reads) and a prediction of
 * its own (its code, points, value and threshold).
 */
export function riskAssessmentOf(patientId: string, p: RiskPointView): FhirRiskAssessment {
  const probability = PROBABILITY[p.level];
  const ra: FhirRiskAssessment = {
    resourceType: 'RiskAssessment',
    id: `${p.checkInId}-${idPart(p.modelVersion)}`,
    identifier: [{ system: 'urn:ietf:rfc:3986', value: `urn:uuid:${p.checkInId}` }],
    status: 'final',
    method: {
      coding: [{ system: RISK_MODEL_SYSTEM, code: p.modelVersion, display: `Vigil risk model ${p.modelVersion}` }],
      text: `Vigil risk model ${p.modelVersion}`,
    },
    code: { text: 'Risk of clinical deterioration needing care-team contact (Vigil score 0-100)' },
    subject: { reference: `Patient/${patientId}` },
    occurrenceDateTime: p.recordedAt,
    prediction: [
      {
        outcome: { text: 'Clinical deterioration needing care-team contact' },
        qualitativeRisk: {
          coding: [
            { system: RISK_PROBABILITY, code: probability.code, display: probability.display },
            { system: RISK_LEVEL_SYSTEM, code: p.level, display: p.level },
          ],
        },
        rationale: `Vigil score ${p.score}/100, level ${p.level}${p.late ? ' (scored late: the check-in arrived after its window)' : ''}`,
      },
      ...p.factors.map((f) => ({
        outcome: { coding: [{ system: RISK_FACTOR_SYSTEM, code: f.code, display: f.message }], text: f.message },
        qualitativeRisk: { coding: [{ system: RISK_LEVEL_SYSTEM, code: f.severity, display: f.severity }] },
        rationale: `${f.points} points: value ${String(f.value)}, threshold ${f.threshold}`,
      })),
    ],
  };
  if (p.factors.length) ra.basis = p.factors.map((f) => ({ display: `${f.code}: ${f.message}` }));
  if (p.news2) {
    const n = p.news2;
    ra.note = [{ text: `NEWS2 ${n.total} (${n.level})${n.partial ? `, partial: missing ${n.parametersMissing.join(', ')}` : ''}` }];
  }
  return ra;
}
