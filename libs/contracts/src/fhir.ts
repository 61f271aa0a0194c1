/**
 * The part of HL7 FHIR R4 that Vigil reads and writes (ingest-api and care-api under /fhir/R4).
 * Types only describe what we build or look at; incoming resources are `unknown` until a mapper
 * has checked them field by field.
 */
export const FHIR_CONTENT_TYPE = 'application/fhir+json';
export const FHIR_VERSION = '4.0.1';

/** Changes when what a statement says changes (not per start: the same build says the same thing). */
export const CAPABILITY_STATEMENT_DATE = '2026-12-07';

/** The fields every Vigil CapabilityStatement shares (care-api's and ingest-api's differ in `rest` only). */
export function capabilityStatementBase(softwareName: string, description: string): Record<string, unknown> {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: CAPABILITY_STATEMENT_DATE,
    publisher: 'Vigil',
    kind: 'instance',
    software: { name: softwareName },
    implementation: { description },
    fhirVersion: FHIR_VERSION,
    format: [FHIR_CONTENT_TYPE, 'json'],
  };
}

/** `rest.security` of a Vigil server: OAuth bearer tokens, with the roles in words. */
export function bearerSecurity(description: string): Record<string, unknown> {
  return {
    service: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'OAuth', display: 'OAuth' }] }],
    description,
  };
}
export const FHIR_BASE_PATH = '/fhir/R4';
/** Entries in one batch or transaction Bundle (the check-in batch's limit). */
export const FHIR_MAX_BUNDLE_ENTRIES = 100;

export interface FhirCoding {
  system?: string;
  code?: string;
  display?: string;
}

export interface FhirCodeableConcept {
  coding?: FhirCoding[];
  text?: string;
}

export interface FhirQuantity {
  value?: number;
  unit?: string;
  system?: string;
  code?: string;
}

export interface FhirReference {
  reference?: string;
  display?: string;
  identifier?: FhirIdentifier;
}

export interface FhirIdentifier {
  system?: string;
  value?: string;
}

export interface FhirMeta {
  profile?: string[];
  lastUpdated?: string;
}

export interface FhirResource {
  resourceType: string;
  id?: string;
  meta?: FhirMeta;
}

export interface FhirObservationComponent {
  code: FhirCodeableConcept;
  valueQuantity?: FhirQuantity;
}

export interface FhirObservation extends FhirResource {
  resourceType: 'Observation';
  identifier?: FhirIdentifier[];
  status: 'registered' | 'preliminary' | 'final' | 'amended' | 'corrected' | 'cancelled' | 'entered-in-error' | 'unknown';
  category?: FhirCodeableConcept[];
  code: FhirCodeableConcept;
  subject?: FhirReference;
  effectiveDateTime?: string;
  issued?: string;
  valueQuantity?: FhirQuantity;
  valueCodeableConcept?: FhirCodeableConcept;
  valueInteger?: number;
  component?: FhirObservationComponent[];
}

export interface FhirRiskAssessmentPrediction {
  outcome?: FhirCodeableConcept;
  qualitativeRisk?: FhirCodeableConcept;
  rationale?: string;
}

export interface FhirRiskAssessment extends FhirResource {
  resourceType: 'RiskAssessment';
  identifier?: FhirIdentifier[];
  status: 'registered' | 'preliminary' | 'final' | 'amended' | 'corrected' | 'cancelled' | 'entered-in-error' | 'unknown';
  method?: FhirCodeableConcept;
  code?: FhirCodeableConcept;
  subject: FhirReference;
  occurrenceDateTime?: string;
  basis?: FhirReference[];
  prediction?: FhirRiskAssessmentPrediction[];
  note?: { text: string }[];
}

export interface FhirBundleLink {
  relation: string;
  url: string;
}

export interface FhirBundleEntry {
  fullUrl?: string;
  resource?: FhirResource;
  search?: { mode: 'match' | 'include' | 'outcome' };
  response?: { status: string; location?: string; lastModified?: string; outcome?: FhirOperationOutcome };
}

export interface FhirBundle extends FhirResource {
  resourceType: 'Bundle';
  type: 'searchset' | 'batch-response' | 'transaction-response' | 'batch' | 'transaction' | 'collection';
  total?: number;
  link?: FhirBundleLink[];
  entry?: FhirBundleEntry[];
}

export type FhirIssueSeverity = 'fatal' | 'error' | 'warning' | 'information';

export interface FhirIssue {
  severity: FhirIssueSeverity;
  /** http://hl7.org/fhir/issue-type (invalid, required, value, code-invalid, forbidden, not-found, conflict, too-costly, throttled, transient, ...). */
  code: string;
  diagnostics?: string;
  /** FHIRPath of the element at fault (Observation.valueQuantity.code). */
  expression?: string[];
}

export interface FhirOperationOutcome extends FhirResource {
  resourceType: 'OperationOutcome';
  issue: FhirIssue[];
}
