/**
 * Defensive reading of a check-in. The contract is validated upstream, but the engine never
 * throws on a value: anything missing, of the wrong type or outside what a device can plausibly
 * send (DESIGN.md "Check-in") is left out, and named in an `input.ignored` factor so a nurse
 * knows it was received.
 */
import { Adherence, Consciousness, EngineCheckIn, EngineQuestionnaire } from './types';

export interface CleanVitals {
  weightKg?: number;
  systolicBp?: number;
  heartRate?: number;
  respiratoryRate?: number;
  spo2?: number;
  onOxygen?: boolean;
  consciousness?: Consciousness;
  temperatureC?: number;
  glucoseMgDl?: number;
}

export interface CleanSymptoms {
  breathlessness?: number;
  swelling?: number;
  fatigue?: number;
  dizziness?: number;
  chestPain?: boolean;
  pain?: number;
}

export interface CleanCheckIn {
  vitals: CleanVitals;
  symptoms: CleanSymptoms;
  questionnaires: readonly unknown[];
  adherence?: Adherence;
  mood?: number;
  /** Names of values left out, in a fixed order. */
  ignored: string[];
}

type Bag = Record<string, unknown>;

function isBag(x: unknown): x is Bag {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function num(v: unknown, lo: number, hi: number, label: string, ignored: string[]): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' && Number.isFinite(v) && v >= lo && v <= hi) return v;
  ignored.push(label);
  return undefined;
}

function bool(v: unknown, label: string, ignored: string[]): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  ignored.push(label);
  return undefined;
}

const ACVPU: readonly string[] = ['A', 'C', 'V', 'P', 'U'];
const ADHERENCE: readonly string[] = ['all', 'some', 'none'];
const EMPTY: Bag = {};

export function sanitize(checkIn: EngineCheckIn): CleanCheckIn {
  const ignored: string[] = [];
  const raw = checkIn as unknown as Bag;
  const vb = isBag(raw.vitals) ? raw.vitals : EMPTY;
  if (raw.vitals !== undefined && raw.vitals !== null && vb === EMPTY) ignored.push('vitals');
  const vitals: CleanVitals = {};
  const w = num(vb.weightKg, 20, 350, 'weight', ignored);
  if (w !== undefined) vitals.weightKg = w;
  const sbp = num(vb.systolicBp, 40, 300, 'systolic blood pressure', ignored);
  if (sbp !== undefined) vitals.systolicBp = sbp;
  const hr = num(vb.heartRate, 20, 250, 'pulse', ignored);
  if (hr !== undefined) vitals.heartRate = hr;
  const rr = num(vb.respiratoryRate, 4, 60, 'respiratory rate', ignored);
  if (rr !== undefined) vitals.respiratoryRate = rr;
  const spo2 = num(vb.spo2, 50, 100, 'SpO2', ignored);
  if (spo2 !== undefined) vitals.spo2 = spo2;
  const o2 = bool(vb.onSupplementalOxygen, 'supplemental oxygen', ignored);
  if (o2 !== undefined) vitals.onOxygen = o2;
  const c = vb.consciousness;
  if (typeof c === 'string' && ACVPU.includes(c)) vitals.consciousness = c as Consciousness;
  else if (c !== undefined && c !== null) ignored.push('consciousness');
  const temp = num(vb.temperatureC, 30, 45, 'temperature', ignored);
  if (temp !== undefined) vitals.temperatureC = temp;
  const glucose = num(vb.glucoseMgDl, 20, 700, 'blood glucose', ignored);
  if (glucose !== undefined) vitals.glucoseMgDl = glucose;
  // diastolicBp is accepted by the contract but used by no rule.

  const sb = isBag(raw.symptoms) ? raw.symptoms : EMPTY;
  if (raw.symptoms !== undefined && raw.symptoms !== null && sb === EMPTY) ignored.push('symptoms');
  const symptoms: CleanSymptoms = {};
  const br = num(sb.breathlessness, 0, 4, 'breathlessness', ignored);
  if (br !== undefined) symptoms.breathlessness = br;
  const sw = num(sb.swelling, 0, 4, 'swelling', ignored);
  if (sw !== undefined) symptoms.swelling = sw;
  const fa = num(sb.fatigue, 0, 4, 'fatigue', ignored);
  if (fa !== undefined) symptoms.fatigue = fa;
  const di = num(sb.dizziness, 0, 4, 'dizziness', ignored);
  if (di !== undefined) symptoms.dizziness = di;
  const cp = bool(sb.chestPain, 'chest pain', ignored);
  if (cp !== undefined) symptoms.chestPain = cp;
  const pa = num(sb.pain, 0, 10, 'pain', ignored);
  if (pa !== undefined) symptoms.pain = pa;

  let questionnaires: readonly unknown[] = [];
  if (Array.isArray(raw.questionnaires)) questionnaires = raw.questionnaires;
  else if (raw.questionnaires !== undefined && raw.questionnaires !== null) ignored.push('questionnaires');

  const out: CleanCheckIn = { vitals, symptoms, questionnaires, ignored };
  const med = raw.medication;
  if (isBag(med) && typeof med.adherence === 'string' && ADHERENCE.includes(med.adherence)) out.adherence = med.adherence as Adherence;
  else if (med !== undefined && med !== null) ignored.push('medication adherence');
  const mood = num(raw.mood, 1, 5, 'mood', ignored);
  if (mood !== undefined) out.mood = mood;
  return out;
}

export interface ValidQuestionnaire {
  instrument: EngineQuestionnaire['instrument'];
  answers: readonly number[];
  total: number;
}

const SHAPES: Readonly<Record<string, { count: number; max: number }>> = {
  'PHQ-9': { count: 9, max: 3 },
  'GAD-7': { count: 7, max: 3 },
  CAT: { count: 8, max: 5 },
};

/** A questionnaire with the right number of integer answers in range, or a reason it is not one. */
export function validateQuestionnaire(q: unknown): ValidQuestionnaire | { invalid: string; instrument: string } {
  if (!isBag(q) || typeof q.instrument !== 'string') return { invalid: 'unrecognised questionnaire', instrument: 'unknown' };
  const shape = SHAPES[q.instrument];
  if (shape === undefined) return { invalid: 'unrecognised questionnaire', instrument: 'unknown' };
  const answers = q.answers;
  const expected = `expected ${shape.count} answers from 0 to ${shape.max}`;
  if (!Array.isArray(answers) || answers.length !== shape.count) return { invalid: expected, instrument: q.instrument };
  let total = 0;
  for (const a of answers) {
    if (typeof a !== 'number' || !Number.isInteger(a) || a < 0 || a > shape.max) return { invalid: expected, instrument: q.instrument };
    total += a;
  }
  return { instrument: q.instrument as ValidQuestionnaire['instrument'], answers: answers as number[], total };
}
