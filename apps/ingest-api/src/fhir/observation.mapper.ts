import { ACVPU_CODES, FHIR_MAPPED_FIELDS, type FhirMappedField, LOINC_SYSTEM, UCUM_SYSTEM } from '@vigil/contracts';
import { checkElements, codingsOf, invalid, isObj, type Obj, requireInstant, requirePatientSubject, resourceKey, uuidV5 } from './fhir-input';
import type { MappedCheckIn } from './mapped-checkin';

const OBSERVATION_ELEMENTS = new Set([
  'resourceType',
  'id',
  'meta',
  'implicitRules',
  'language',
  'text',
  'contained',
  'extension',
  'modifierExtension',
  'identifier',
  'basedOn',
  'partOf',
  'status',
  'category',
  'code',
  'subject',
  'focus',
  'encounter',
  'effectiveDateTime',
  'effectivePeriod',
  'effectiveTiming',
  'effectiveInstant',
  'issued',
  'performer',
  'valueQuantity',
  'valueCodeableConcept',
  'valueString',
  'valueBoolean',
  'valueInteger',
  'valueRange',
  'valueRatio',
  'valueSampledData',
  'valueTime',
  'valueDateTime',
  'valuePeriod',
  'dataAbsentReason',
  'interpretation',
  'note',
  'bodySite',
  'method',
  'specimen',
  'device',
  'referenceRange',
  'hasMember',
  'derivedFrom',
  'component',
]);
const VALUE_KEYS = [...OBSERVATION_ELEMENTS].filter((k) => k.startsWith('value'));
const ACCEPTED_STATUS = new Set(['final', 'amended', 'corrected']);

const codeKey = (system: string, code: string) => `${system}|${code}`;
const field = (name: string) => FHIR_MAPPED_FIELDS.find((f) => f.name === name) as FhirMappedField;

/** Observation.code -> the catalogue field it measures (panel members are reached through their panel). */
const BY_CODE = new Map<string, FhirMappedField>();
for (const f of FHIR_MAPPED_FIELDS) {
  if (f.fhir.panel) continue;
  for (const c of [f.fhir.code, ...(f.fhir.alsoAccepted ?? [])]) BY_CODE.set(codeKey(c.system, c.code), f);
}
const SYSTOLIC = field('vitals.systolicBp');
const DIASTOLIC = field('vitals.diastolicBp');
const BP_PANEL = SYSTOLIC.fhir.panel as NonNullable<FhirMappedField['fhir']['panel']>;
const OXYGEN = field('vitals.onSupplementalOxygen');
/** Inhaled oxygen concentration (%), the other component of a pulse-oximetry reading: above room air (21 %) is oxygen. */
const INHALED_O2_CONCENTRATION = '3150-0';
const ROOM_AIR_PERCENT = 21;

export const SUPPORTED_OBSERVATION_CODES = [...BY_CODE.keys(), codeKey(BP_PANEL.code.system, BP_PANEL.code.code)];

/** Quantity -> our unit, by the catalogue's UCUM code or one of its conversions; anything else is refused. */
function quantityIn(f: FhirMappedField & { ucum?: string }, q: unknown, path: string): number {
  if (!isObj(q)) throw invalid(path, `a valueQuantity is required for ${f.fhir.code.display}`);
  const value = q['value'];
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(`${path}.value`, 'valueQuantity.value must be a number');
  const accepted = [f.ucum as string, ...(f.fhir.conversions ?? []).map((c) => c.ucum)];
  if (q['system'] !== UCUM_SYSTEM || typeof q['code'] !== 'string') {
    throw invalid(`${path}.system`, `the unit must be UCUM (system ${UCUM_SYSTEM}) with a code: ${accepted.join(', ')}`);
  }
  if (q['code'] === f.ucum) return value;
  const conversion = f.fhir.conversions?.find((c) => c.ucum === q['code']);
  if (!conversion) throw invalid(`${path}.code`, `unit ${q['code']} is not accepted for ${f.fhir.code.display}; use ${accepted.join(', ')}`);
  return Math.round((value * conversion.factor + (conversion.offset ?? 0)) * 1e4) / 1e4;
}

function onlyValue(o: Obj, allowed: string | undefined, base: string, what: string): void {
  for (const k of VALUE_KEYS) {
    if (k !== allowed && o[k] !== undefined)
      throw invalid(`${base}.${k}`, allowed ? `${what} takes ${allowed}, not ${k}` : `${what} has no value of its own (its components carry it)`);
  }
  if (o['dataAbsentReason'] !== undefined) throw invalid(`${base}.dataAbsentReason`, 'an Observation without a value cannot become a check-in');
}

function components(o: Obj, base: string): { code: string; system: string; quantity: unknown; path: string }[] {
  const list = o['component'];
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw invalid(`${base}.component`, 'component must be an array');
  return list.map((c, i) => {
    const path = `${base}.component[${i}]`;
    if (!isObj(c)) throw invalid(path, 'a component must be an object');
    const codes = codingsOf(c['code'], `${path}.code`);
    const known = codes.find((x) => x.system === LOINC_SYSTEM) ?? codes[0];
    if (!known) throw invalid(`${path}.code`, 'a component needs a coded code');
    return { ...known, quantity: c['valueQuantity'], path: `${path}.valueQuantity` };
  });
}

/** SpO2's optional oxygen components (FHIR's pulse-oximetry pattern): flow rate in L/min, or inhaled concentration in %. */
function oxygenFromComponents(o: Obj, base: string, vitals: Obj, paths: Record<string, string>): void {
  for (const c of components(o, base)) {
    if (c.system === LOINC_SYSTEM && c.code === OXYGEN.fhir.code.code) {
      vitals['onSupplementalOxygen'] = flowRate(c.quantity, c.path) > 0;
    } else if (c.system === LOINC_SYSTEM && c.code === INHALED_O2_CONCENTRATION) {
      vitals['onSupplementalOxygen'] = percent(c.quantity, c.path) > ROOM_AIR_PERCENT;
    } else {
      throw invalid(
        `${c.path.replace(/\.valueQuantity$/, '')}.code`,
        `component ${c.code} is not supported here (SpO2 takes ${OXYGEN.fhir.code.code} or ${INHALED_O2_CONCENTRATION})`,
      );
    }
    paths['vitals.onSupplementalOxygen'] = c.path;
  }
}

function flowRate(q: unknown, path: string): number {
  if (!isObj(q) || typeof q['value'] !== 'number' || q['value'] < 0 || q['system'] !== UCUM_SYSTEM || q['code'] !== 'L/min') {
    throw invalid(path, 'inhaled oxygen flow rate must be a valueQuantity in L/min (UCUM), 0 for room air');
  }
  return q['value'];
}

function percent(q: unknown, path: string): number {
  if (!isObj(q) || typeof q['value'] !== 'number' || q['system'] !== UCUM_SYSTEM || q['code'] !== '%')
    throw invalid(path, 'inhaled oxygen concentration must be a valueQuantity in % (UCUM)');
  return q['value'];
}

function painScore(o: Obj, base: string): unknown {
  if (o['valueInteger'] !== undefined) {
    onlyValue(o, 'valueInteger', base, 'a pain score');
    return o['valueInteger'];
  }
  onlyValue(o, 'valueQuantity', base, 'a pain score');
  const q = o['valueQuantity'];
  if (!isObj(q)) throw invalid(`${base}.valueInteger`, 'a pain score needs valueInteger (0 to 10)');
  if (q['code'] !== undefined && q['code'] !== '{score}') throw invalid(`${base}.valueQuantity.code`, 'a pain score has no unit but {score}');
  return q['value'];
}

function acvpu(o: Obj, base: string): string {
  onlyValue(o, 'valueCodeableConcept', base, 'ACVPU');
  const codes = codingsOf(o['valueCodeableConcept'], `${base}.valueCodeableConcept`);
  for (const [letter, c] of Object.entries(ACVPU_CODES)) if (codes.some((x) => x.system === c.system && x.code === c.code)) return letter;
  const allowed = Object.entries(ACVPU_CODES)
    .map(([l, c]) => `${c.code} (${l})`)
    .join(', ');
  throw invalid(`${base}.valueCodeableConcept`, `ACVPU takes one of these SNOMED CT codes: ${allowed}`);
}

/**
 * A FHIR R4 Observation (vital-signs profile codes and a few more, see the catalogue) -> the check-in it
 * stands for. Shape, codes, units, subject and time are checked here; ranges by the check-in rules.
 */
export function observationToCheckIn(input: unknown, patientId: string, base = 'Observation'): MappedCheckIn {
  if (!isObj(input) || input['resourceType'] !== 'Observation') throw invalid(base, 'expected an Observation resource');
  checkElements(input, OBSERVATION_ELEMENTS, base);
  if (typeof input['status'] !== 'string' || !ACCEPTED_STATUS.has(input['status'])) {
    throw invalid(`${base}.status`, 'status must be final, amended or corrected (a check-in is a finished measurement)');
  }
  if (input['note'] !== undefined)
    throw invalid(`${base}.note`, 'notes are not accepted on an Observation (free text is PHI the check-in keeps only as its own notes)');
  if (input['hasMember'] !== undefined)
    throw invalid(`${base}.hasMember`, 'panels by reference are not supported: post the member Observations (a blood pressure panel uses components)');
  requirePatientSubject(input['subject'], patientId, `${base}.subject`);
  const key = resourceKey(input, base);

  let recordedAt: string;
  let timePath: string;
  if (input['effectiveDateTime'] !== undefined)
    [recordedAt, timePath] = [requireInstant(input['effectiveDateTime'], `${base}.effectiveDateTime`), `${base}.effectiveDateTime`];
  else if (input['effectiveInstant'] !== undefined)
    [recordedAt, timePath] = [requireInstant(input['effectiveInstant'], `${base}.effectiveInstant`), `${base}.effectiveInstant`];
  else if (input['effectivePeriod'] !== undefined || input['effectiveTiming'] !== undefined) {
    throw invalid(`${base}.effective[x]`, 'effective[x] must be effectiveDateTime or effectiveInstant: a check-in happens at one time');
  } else throw invalid(`${base}.effective[x]`, 'effective[x] is required (effectiveDateTime): when the measurement was taken, device time');

  const codes = codingsOf(input['code'], `${base}.code`);
  const paths: Record<string, string> = { recordedAt: timePath };
  const vitals: Obj = {};
  const body: Obj = {};
  let fieldKey: string;

  if (codes.some((c) => c.system === BP_PANEL.code.system && c.code === BP_PANEL.code.code)) {
    onlyValue(input, undefined, base, 'a blood pressure panel');
    fieldKey = BP_PANEL.key;
    for (const c of components(input, base)) {
      const f =
        c.system === LOINC_SYSTEM && c.code === SYSTOLIC.fhir.code.code
          ? SYSTOLIC
          : c.system === LOINC_SYSTEM && c.code === DIASTOLIC.fhir.code.code
            ? DIASTOLIC
            : undefined;
      if (!f)
        throw invalid(
          `${c.path.replace(/\.valueQuantity$/, '')}.code`,
          `a blood pressure panel takes components ${SYSTOLIC.fhir.code.code} and ${DIASTOLIC.fhir.code.code} only`,
        );
      const name = f.name.slice('vitals.'.length);
      if (vitals[name] !== undefined) throw invalid(c.path, `${f.fhir.code.display} is given twice`);
      vitals[name] = quantityIn(f, c.quantity, c.path);
      paths[f.name] = `${c.path}.value`;
    }
    if (vitals['systolicBp'] === undefined || vitals['diastolicBp'] === undefined) {
      throw invalid(
        `${base}.component`,
        `a blood pressure panel needs both components, ${SYSTOLIC.fhir.code.code} (systolic) and ${DIASTOLIC.fhir.code.code} (diastolic)`,
      );
    }
  } else {
    const f = codes.map((c) => BY_CODE.get(codeKey(c.system, c.code))).find((x) => x !== undefined);
    if (!f) {
      const shown = codes.map((c) => `${c.system}|${c.code}`).join(', ') || 'none';
      throw invalid(`${base}.code`, `no supported code (got ${shown}); supported: ${SUPPORTED_OBSERVATION_CODES.join(', ')} (see GET /fhir/R4/metadata)`);
    }
    fieldKey = f.fhir.key;
    const [group, name] = f.name.split('.') as [string, string];
    if (f.name === 'vitals.consciousness') {
      vitals[name] = acvpu(input, base);
      paths[f.name] = `${base}.valueCodeableConcept`;
    } else if (f.name === 'vitals.onSupplementalOxygen') {
      onlyValue(input, 'valueQuantity', base, 'inhaled oxygen flow rate');
      vitals[name] = flowRate(input['valueQuantity'], `${base}.valueQuantity`) > 0;
      paths[f.name] = `${base}.valueQuantity`;
    } else if (f.name === 'symptoms.pain') {
      body['symptoms'] = { pain: painScore(input, base) };
      paths[f.name] = input['valueInteger'] !== undefined ? `${base}.valueInteger` : `${base}.valueQuantity.value`;
    } else if (group === 'vitals') {
      onlyValue(input, 'valueQuantity', base, f.fhir.code.display);
      vitals[name] = quantityIn(f, input['valueQuantity'], `${base}.valueQuantity`);
      paths[f.name] = `${base}.valueQuantity.value`;
    } else {
      throw invalid(`${base}.code`, `${f.fhir.code.code} is not accepted as an Observation here`);
    }
    if (f.name === 'vitals.spo2') oxygenFromComponents(input, base, vitals, paths);
    else if (input['component'] !== undefined) throw invalid(`${base}.component`, `${f.fhir.code.display} takes no components`);
  }
  if (Object.keys(vitals).length) body['vitals'] = vitals;
  const checkInId = uuidV5(key);
  return { checkIn: { checkInId, recordedAt, ...body }, paths, resourceType: 'Observation', id: `${checkInId}-${fieldKey}`, base };
}
