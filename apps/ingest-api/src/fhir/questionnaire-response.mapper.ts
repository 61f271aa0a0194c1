import { type Instrument, LOINC_SYSTEM, QUESTIONNAIRE_CODES, QUESTIONNAIRES } from '@vigil/contracts';
import { checkElements, invalid, isObj, type Obj, requireInstant, requirePatientSubject, resourceKey, uuidV5 } from './fhir-input';
import type { MappedCheckIn } from './mapped-checkin';

const QR_ELEMENTS = new Set([
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
  'questionnaire',
  'status',
  'subject',
  'encounter',
  'authored',
  'author',
  'source',
  'item',
]);
const ACCEPTED_STATUS = new Set(['completed', 'amended']);

/** Canonical URL (without `|version`) -> instrument. */
const BY_CANONICAL = new Map<string, Instrument>();
for (const [instrument, q] of Object.entries(QUESTIONNAIRE_CODES) as [Instrument, (typeof QUESTIONNAIRE_CODES)[Instrument]][]) {
  for (const c of q.canonicals) BY_CANONICAL.set(c, instrument);
}
export const SUPPORTED_QUESTIONNAIRES = [...BY_CANONICAL.keys()];

interface Answered {
  linkId: string;
  answer: unknown;
  path: string;
}

/** Items in order; a group item (LHC-Forms style, one level) contributes its children. */
function flatItems(list: unknown, path: string, depth = 0): Answered[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw invalid(path, 'item must be an array');
  return list.flatMap((item, i) => {
    const p = `${path}[${i}]`;
    if (!isObj(item) || typeof item['linkId'] !== 'string') throw invalid(`${p}.linkId`, 'every item needs a linkId');
    if (item['item'] !== undefined) {
      if (depth > 0 || item['answer'] !== undefined) throw invalid(`${p}.item`, 'items nest one group deep at most');
      return flatItems(item['item'], `${p}.item`, depth + 1);
    }
    return [{ linkId: item['linkId'].replace(/^\//, ''), answer: item['answer'], path: p }];
  });
}

/** One answer: valueInteger, or valueCoding with the instrument's LOINC answer code (its position is the score). */
function score(a: Answered, answers: readonly string[] | undefined): number {
  if (!Array.isArray(a.answer) || a.answer.length !== 1 || !isObj(a.answer[0])) throw invalid(`${a.path}.answer`, `item ${a.linkId} needs exactly one answer`);
  const ans = a.answer[0] as Obj;
  if (typeof ans['valueInteger'] === 'number') return ans['valueInteger'];
  const coding = ans['valueCoding'];
  if (isObj(coding) && answers && coding['system'] === LOINC_SYSTEM && typeof coding['code'] === 'string') {
    const i = answers.indexOf(coding['code']);
    if (i >= 0) return i;
  }
  const codes = answers ? ` or valueCoding with a LOINC answer code (${answers.join(', ')})` : '';
  throw invalid(`${a.path}.answer[0]`, `item ${a.linkId} takes valueInteger${codes}`);
}

/** A completed PHQ-9, GAD-7 or CAT QuestionnaireResponse -> a check-in with that questionnaire. */
export function questionnaireResponseToCheckIn(input: unknown, patientId: string, base = 'QuestionnaireResponse'): MappedCheckIn {
  if (!isObj(input) || input['resourceType'] !== 'QuestionnaireResponse') throw invalid(base, 'expected a QuestionnaireResponse resource');
  checkElements(input, QR_ELEMENTS, base);
  if (typeof input['status'] !== 'string' || !ACCEPTED_STATUS.has(input['status'])) throw invalid(`${base}.status`, 'status must be completed or amended');
  const canonical = typeof input['questionnaire'] === 'string' ? input['questionnaire'].split('|')[0] : undefined;
  const instrument = canonical === undefined ? undefined : BY_CANONICAL.get(canonical);
  if (!instrument) throw invalid(`${base}.questionnaire`, `questionnaire must be one of ${SUPPORTED_QUESTIONNAIRES.join(', ')}`);
  requirePatientSubject(input['subject'], patientId, `${base}.subject`);
  const key = resourceKey(input, base);
  if (input['authored'] === undefined) throw invalid(`${base}.authored`, 'authored is required: when the patient answered, device time');
  const recordedAt = requireInstant(input['authored'], `${base}.authored`);

  const codes = QUESTIONNAIRE_CODES[instrument];
  const given = new Map<string, Answered>();
  for (const a of flatItems(input['item'], `${base}.item`)) {
    if (given.has(a.linkId)) throw invalid(a.path, `item ${a.linkId} is answered twice`);
    if (a.linkId !== codes.total && !codes.items.includes(a.linkId))
      throw invalid(`${a.path}.linkId`, `${a.linkId} is not an item of ${instrument} (items: ${codes.items.join(', ')})`);
    given.set(a.linkId, a);
  }
  const missing = codes.items.filter((id) => !given.has(id));
  if (missing.length) throw invalid(`${base}.item`, `${instrument} needs all ${QUESTIONNAIRES[instrument].items} items; missing ${missing.join(', ')}`);
  const answers = codes.items.map((id) => score(given.get(id) as Answered, codes.answers));
  const total = codes.total ? given.get(codes.total) : undefined;
  if (total) {
    const sum = answers.reduce((x, y) => x + y, 0);
    if (score(total, undefined) !== sum) throw invalid(`${total.path}.answer[0]`, `the total score does not match the answers (their sum is ${sum})`);
  }
  const checkInId = uuidV5(key);
  return {
    checkIn: { checkInId, recordedAt, questionnaires: [{ instrument, answers }] },
    paths: { recordedAt: `${base}.authored`, questionnaires: `${base}.item` },
    resourceType: 'QuestionnaireResponse',
    id: checkInId,
    base,
  };
}
