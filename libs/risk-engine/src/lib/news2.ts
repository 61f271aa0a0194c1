/**
 * NEWS2, Royal College of Physicians (2017), exactly as charted. Values are rounded to the
 * chart's resolution before banding (whole numbers; 0.1 °C for temperature), half up.
 */
import { round } from './format';
import { Consciousness, News2Level, News2Parameter, Spo2Scale } from './types';

export type News2Points = 0 | 1 | 2 | 3;

export interface BandResult {
  readonly points: News2Points;
  /** The chart band the value fell in, e.g. "21–24". */
  readonly band: string;
}

export const NEWS2_PARAMETERS: readonly News2Parameter[] = Object.freeze<News2Parameter[]>([
  'respiratoryRate',
  'spo2',
  'supplementalOxygen',
  'systolicBp',
  'heartRate',
  'consciousness',
  'temperature',
]);

const b = (points: News2Points, band: string): BandResult => Object.freeze({ points, band });

const RR = [b(3, '≤8'), b(1, '9–11'), b(0, '12–20'), b(2, '21–24'), b(3, '≥25')] as const;
export function respiratoryRatePoints(perMinute: number): BandResult {
  const r = round(perMinute, 0);
  if (r <= 8) return RR[0];
  if (r <= 11) return RR[1];
  if (r <= 20) return RR[2];
  if (r <= 24) return RR[3];
  return RR[4];
}

const S1 = [b(3, '≤91%'), b(2, '92–93%'), b(1, '94–95%'), b(0, '≥96%')] as const;
const S2 = [
  b(3, '≤83%'),
  b(2, '84–85%'),
  b(1, '86–87%'),
  b(0, '88–92%'),
  b(0, '≥93% on air'),
  b(1, '93–94% on oxygen'),
  b(2, '95–96% on oxygen'),
  b(3, '≥97% on oxygen'),
] as const;
/** Scale 1 for most patients; scale 2 for those with hypercapnic respiratory failure (target 88–92%). */
export function spo2Points(percent: number, scale: Spo2Scale, onOxygen: boolean): BandResult {
  const s = round(percent, 0);
  if (scale !== 2) {
    if (s <= 91) return S1[0];
    if (s <= 93) return S1[1];
    if (s <= 95) return S1[2];
    return S1[3];
  }
  if (s <= 83) return S2[0];
  if (s <= 85) return S2[1];
  if (s <= 87) return S2[2];
  if (s <= 92) return S2[3];
  if (!onOxygen) return S2[4];
  if (s <= 94) return S2[5];
  if (s <= 96) return S2[6];
  return S2[7];
}

const O2 = [b(0, 'air'), b(2, 'oxygen')] as const;
export function supplementalOxygenPoints(onOxygen: boolean): BandResult {
  return onOxygen ? O2[1] : O2[0];
}

const SBP = [b(3, '≤90'), b(2, '91–100'), b(1, '101–110'), b(0, '111–219'), b(3, '≥220')] as const;
export function systolicBpPoints(mmHg: number): BandResult {
  const p = round(mmHg, 0);
  if (p <= 90) return SBP[0];
  if (p <= 100) return SBP[1];
  if (p <= 110) return SBP[2];
  if (p <= 219) return SBP[3];
  return SBP[4];
}

const HR = [b(3, '≤40'), b(1, '41–50'), b(0, '51–90'), b(1, '91–110'), b(2, '111–130'), b(3, '≥131')] as const;
export function heartRatePoints(perMinute: number): BandResult {
  const p = round(perMinute, 0);
  if (p <= 40) return HR[0];
  if (p <= 50) return HR[1];
  if (p <= 90) return HR[2];
  if (p <= 110) return HR[3];
  if (p <= 130) return HR[4];
  return HR[5];
}

const ACVPU = [b(0, 'Alert'), b(3, 'new confusion, voice, pain or unresponsive')] as const;
export function consciousnessPoints(c: Consciousness): BandResult {
  return c === 'A' ? ACVPU[0] : ACVPU[1];
}

const TEMP = [b(3, '≤35.0 °C'), b(1, '35.1–36.0 °C'), b(0, '36.1–38.0 °C'), b(1, '38.1–39.0 °C'), b(2, '≥39.1 °C')] as const;
export function temperaturePoints(celsius: number): BandResult {
  const tenths = Math.round(round(celsius, 1) * 10);
  if (tenths <= 350) return TEMP[0];
  if (tenths <= 360) return TEMP[1];
  if (tenths <= 380) return TEMP[2];
  if (tenths <= 390) return TEMP[3];
  return TEMP[4];
}

/** RCP clinical risk: 0–4 low; a 3 in any single parameter low-medium; 5–6 medium; ≥7 high. */
export function news2Level(total: number, anySingleThree: boolean): News2Level {
  if (total >= 7) return 'high';
  if (total >= 5) return 'medium';
  if (anySingleThree) return 'low-medium';
  return 'low';
}

/** The NEWS2 zero-point band of each numeric parameter (used to measure "further from normal"). */
export function zeroBand(param: News2Parameter, scale: Spo2Scale, onOxygen: boolean): readonly [number, number] {
  switch (param) {
    case 'respiratoryRate':
      return [12, 20];
    case 'spo2':
      return scale !== 2 ? [96, 100] : onOxygen ? [88, 92] : [88, 100];
    case 'systolicBp':
      return [111, 219];
    case 'heartRate':
      return [51, 90];
    case 'temperature':
      return [36.1, 38.0];
    default:
      return [0, 0];
  }
}

/** How far a value lies outside the zero-point band (0 inside it). */
export function distanceOutside(x: number, band: readonly [number, number]): number {
  return x < band[0] ? band[0] - x : x > band[1] ? x - band[1] : 0;
}

export interface News2Input {
  respiratoryRate?: number;
  spo2?: number;
  onOxygen?: boolean;
  systolicBp?: number;
  heartRate?: number;
  consciousness?: Consciousness;
  temperatureC?: number;
}

export interface News2ParameterResult {
  readonly param: News2Parameter;
  readonly value: number | string | boolean;
  readonly result: BandResult;
}

export interface News2Computation {
  readonly params: News2ParameterResult[];
  readonly total: number;
  readonly level: News2Level;
  readonly present: News2Parameter[];
  readonly missing: News2Parameter[];
}

/** NEWS2 over whatever parameters are present; null when none is. */
export function computeNews2(v: News2Input, scale: Spo2Scale): News2Computation | null {
  const params: News2ParameterResult[] = [];
  const present: News2Parameter[] = [];
  const missing: News2Parameter[] = [];
  const onOxygen = v.onOxygen === true;
  if (v.respiratoryRate !== undefined) {
    present.push('respiratoryRate');
    params.push({ param: 'respiratoryRate', value: v.respiratoryRate, result: respiratoryRatePoints(v.respiratoryRate) });
  } else missing.push('respiratoryRate');
  if (v.spo2 !== undefined) {
    present.push('spo2');
    params.push({ param: 'spo2', value: v.spo2, result: spo2Points(v.spo2, scale, onOxygen) });
  } else missing.push('spo2');
  if (v.onOxygen !== undefined) {
    present.push('supplementalOxygen');
    params.push({ param: 'supplementalOxygen', value: v.onOxygen, result: supplementalOxygenPoints(onOxygen) });
  } else missing.push('supplementalOxygen');
  if (v.systolicBp !== undefined) {
    present.push('systolicBp');
    params.push({ param: 'systolicBp', value: v.systolicBp, result: systolicBpPoints(v.systolicBp) });
  } else missing.push('systolicBp');
  if (v.heartRate !== undefined) {
    present.push('heartRate');
    params.push({ param: 'heartRate', value: v.heartRate, result: heartRatePoints(v.heartRate) });
  } else missing.push('heartRate');
  if (v.consciousness !== undefined) {
    present.push('consciousness');
    params.push({ param: 'consciousness', value: v.consciousness, result: consciousnessPoints(v.consciousness) });
  } else missing.push('consciousness');
  if (v.temperatureC !== undefined) {
    present.push('temperature');
    params.push({ param: 'temperature', value: v.temperatureC, result: temperaturePoints(v.temperatureC) });
  } else missing.push('temperature');
  if (present.length === 0) return null;
  let total = 0;
  let three = false;
  for (const p of params) {
    total += p.result.points;
    if (p.result.points === 3) three = true;
  }
  return { params, total, level: news2Level(total, three), present, missing };
}
