import { createHash } from 'node:crypto';
import { ISO_WITH_OFFSET } from '@vigil/contracts';
import { ProblemException } from '@vigil/http';

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A 400 for one element, its FHIRPath as the error's path (it becomes the OperationOutcome issue's expression). */
export function invalid(path: string, message: string): ProblemException {
  return ProblemException.of('validation', message, { errors: [{ path, message }] });
}

/**
 * Elements outside the resource's R4 definition are refused (the check-in API's whitelisting), and so
 * is any modifierExtension: a server that does not understand one must not accept the resource.
 * `_element` (a primitive's id/extension) is allowed beside a known element.
 */
export function checkElements(resource: Obj, allowed: ReadonlySet<string>, base: string): void {
  for (const key of Object.keys(resource)) {
    const name = key.startsWith('_') ? key.slice(1) : key;
    if (!allowed.has(name)) throw invalid(`${base}.${key}`, `${key} is not an element of ${resource['resourceType']} (R4)`);
  }
  if (resource['modifierExtension'] !== undefined)
    throw invalid(`${base}.modifierExtension`, 'modifier extensions are not understood here, so the resource is refused');
}

const PATIENT_REFERENCE = /^(?:https?:\/\/[^\s?#]+\/)?Patient\/([^\s/?#]+)(?:\/_history\/[A-Za-z0-9.-]{1,64})?$/;

/** The subject must be a literal reference to the token's patient: malformed is a 400, another patient a 403. */
export function requirePatientSubject(subject: unknown, patientId: string, path: string): void {
  const hint = `Patient/${patientId} (the patient of the token)`;
  if (subject === undefined) throw invalid(path, `subject is required: ${hint}`);
  if (!isObj(subject) || typeof subject['reference'] !== 'string')
    throw invalid(`${path}.reference`, `subject.reference must be a literal reference to ${hint}`);
  const m = PATIENT_REFERENCE.exec(subject['reference']);
  if (!m) throw invalid(`${path}.reference`, `subject.reference is not a Patient reference (Patient/{id}): expected ${hint}`);
  let id: string;
  try {
    id = decodeURIComponent(m[1]);
  } catch {
    throw invalid(`${path}.reference`, 'subject.reference is not a valid reference');
  }
  if (id !== patientId) {
    throw ProblemException.of('forbidden', 'the subject is not the patient this token acts for', {
      errors: [{ path: `${path}.reference`, message: `the token may only send data of ${hint}` }],
    });
  }
}

/** A FHIR dateTime with a time and a zone (ours: ISO-8601 with an offset); a date alone says too little. */
export function requireInstant(value: unknown, path: string): string {
  if (typeof value !== 'string' || !ISO_WITH_OFFSET.test(value) || Number.isNaN(Date.parse(value))) {
    throw invalid(path, `${path.split('.').pop()} must be a date-time with seconds and a zone, e.g. 2026-01-31T08:15:00+01:00`);
  }
  return value;
}

const FHIR_ID = /^[A-Za-z0-9.-]{1,64}$/;

/**
 * The idempotency key of a resource: its (first) identifier `system|value`, else its id. Repeats of
 * the same resource share it; a changed resource under it is a conflict.
 */
export function resourceKey(resource: Obj, base: string): string {
  const type = String(resource['resourceType']);
  const raw = resource['identifier'];
  const identifiers = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  for (const [i, id] of identifiers.entries()) {
    const path = Array.isArray(raw) ? `${base}.identifier[${i}]` : `${base}.identifier`;
    if (!isObj(id) || typeof id['value'] !== 'string' || id['value'].length === 0 || id['value'].length > 256) {
      throw invalid(`${path}.value`, 'identifier.value must be a non-empty string of at most 256 characters');
    }
    if (id['system'] !== undefined && typeof id['system'] !== 'string') throw invalid(`${path}.system`, 'identifier.system must be a URI');
    return `${type}|${(id['system'] as string | undefined) ?? ''}|${id['value']}`;
  }
  const id = resource['id'];
  if (typeof id === 'string' && FHIR_ID.test(id)) return `${type}/${id}`;
  if (id !== undefined) throw invalid(`${base}.id`, 'id must be 1 to 64 letters, digits, "-" or "."');
  throw invalid(`${base}.identifier`, 'an identifier (or an id) is required: it is the idempotency key of the resource');
}

/** Vigil's UUID v5 namespace for FHIR resource keys (fixed forever: it makes checkInIds stable). */
const NAMESPACE = Buffer.from('3d0d5c2ea9d84f5a8e0b7f1c6a2b9e41', 'hex');

/** RFC 9562 UUID version 5 (SHA-1, name-based): the checkInId of a resource key. */
export function uuidV5(name: string): string {
  const h = createHash('sha1').update(NAMESPACE).update(name, 'utf8').digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** The codings of a CodeableConcept that have a system and a code. */
export function codingsOf(concept: unknown, path: string): { system: string; code: string }[] {
  if (!isObj(concept)) throw invalid(path, `${path.split('.').pop()} must be a CodeableConcept`);
  const list = concept['coding'];
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw invalid(`${path}.coding`, 'coding must be an array');
  return list
    .filter(isObj)
    .flatMap((c) => (typeof c['system'] === 'string' && typeof c['code'] === 'string' ? [{ system: c['system'], code: c['code'] }] : []));
}
