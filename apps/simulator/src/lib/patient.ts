/**
 * One synthetic patient: traits drawn once (conditions, devices, personal normals, habits), then
 * one simulated day at a time (physiology with slow drift and day-to-day noise, device error and
 * artefacts, missed days, offline phones, labelled deterioration episodes). Pure: everything comes
 * from seeded streams; no clock, no Math.random.
 */
import type { CheckIn, Condition } from '@vigil/contracts';
import { EpisodeType, Range, SimParams } from './params';
import { Rng, clamp, round } from './prng';

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;

export interface Kit {
  scale: boolean;
  bpCuff: boolean;
  oximeter: boolean;
  /** Respiratory rate (a monitoring kit or a counted rate). */
  respiratoryRate: boolean;
  thermometer: boolean;
  glucometer: boolean;
}

export interface Normals {
  weightKg: number;
  systolicBp: number;
  /** Diastolic as a share of systolic. */
  diastolicRatio: number;
  heartRate: number;
  respiratoryRate: number;
  /** On air (or on the patient's usual oxygen, for long-term oxygen users). */
  spo2: number;
  temperatureC: number;
  glucoseMgDl: number;
  /** Coefficient of variation of glucose readings. */
  glucoseCv: number;
  phq9: number;
  gad7: number;
  cat: number;
  mood: number;
  breathlessness: number;
  swelling: number;
  fatigue: number;
}

export interface Traits {
  conditions: Condition[];
  insulin: boolean;
  news2SpO2Scale: 1 | 2;
  chronicLowSpo2: boolean;
  longTermOxygen: boolean;
  dryWeightKg?: number;
  staleDryWeight: boolean;
  kit: Kit;
  checkInHour: number;
  /** Chance of checking in on an ordinary day. */
  adherence: number;
  offlineRatePerDay: number;
  /** Chance that all medication was taken on a day. */
  medicationAll: number;
  /** Multiplies this patient's day-to-day variation. */
  lability: number;
  /** Day of the week (0 = the cohort's first day) of weekly questionnaires. */
  questionnaireDay: number;
  gad7: boolean;
  normals: Normals;
}

export interface EnrolProfile {
  patientId: string;
  tenantId: string;
  careTeamId: string;
  conditions: Condition[];
  dryWeightKg?: number;
  news2SpO2Scale: 1 | 2;
  expectedCheckInIntervalHours: number;
}

/** What a deterioration changes, for the labels (and the tests that check them). */
export interface EpisodeSigns {
  weightGainKg?: number;
  spo2Drop?: number;
  respiratoryRateRise?: number;
  heartRateRise?: number;
  temperatureRise?: number;
  catRise?: number;
  phq9Rise?: number;
  item9?: boolean;
  /** Hypoglycaemia: the peak reading catches the low glucose (mg/dL) or not. */
  nadirMgDl?: number;
  captured?: boolean;
  /** Hyperglycaemia: glucose at the peak as a multiple of the patient's usual. */
  glucoseRise?: number;
  /** Heart failure / COPD / hyperglycaemia: admitted to hospital at the peak (no check-ins during the stay). */
  admittedDays?: number;
  silent?: boolean;
}

export interface Episode {
  type: EpisodeType;
  startDay: number;
  peakDay: number;
  endDay: number;
  /** Shape of the rise: severity = progress ^ shape. */
  shape: number;
  signs: EpisodeSigns;
}

export interface DayOutput {
  day: number;
  /** Present when the patient checked in that day. */
  checkIn?: CheckIn;
  /** When the phone sends it (later than recordedAt when it was offline). */
  sentAtMs?: number;
  /** Day on which the phone comes back online (offline check-ins are sent then). */
  sentOnDay?: number;
  /** An episode that began on this day. */
  episodeStarted?: Episode;
}

const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');
export { isoSeconds };

const u = (rng: Rng, r: Range): number => rng.uniform(r[0], r[1]);

/** First-order autoregressive noise with stationary standard deviation `sd`. */
class Ar1 {
  x = 0;
  constructor(
    private readonly phi: number,
    private readonly sd: number,
  ) {}
  step(rng: Rng): number {
    this.x = this.phi * this.x + Math.sqrt(1 - this.phi * this.phi) * this.sd * rng.normal();
    return this.x;
  }
}

export function drawTraits(rng: Rng, params: SimParams): Traits {
  const conditions = [...rng.weighted(params.conditionMix.map((m) => ({ weight: m.weight, value: m.conditions })))].sort() as Condition[];
  const has = (c: Condition): boolean => conditions.includes(c);
  const hf = has('heart-failure');
  const copd = has('copd');
  const diabetes = has('diabetes');
  const depression = has('depression');
  const insulin = diabetes && rng.chance(params.insulinShare);
  const chronicLowSpo2 = copd && rng.chance(params.copdChronicLowShare);
  const news2SpO2Scale: 1 | 2 = chronicLowSpo2 && rng.chance(params.scale2ShareOfChronicLow) ? 2 : 1;
  const longTermOxygen = chronicLowSpo2 && rng.chance(params.ltotShareOfChronicLow);
  const weightKg = round(rng.truncNormal(hf ? 84 : 80, 16, 45, 150), 1);
  const staleDryWeight = hf && rng.chance(params.staleDryWeightShare);
  const dryWeightKg = hf ? round(weightKg - (staleDryWeight ? rng.uniform(1.5, 3) : rng.uniform(-0.8, 1)), 1) : undefined;
  let spo2: number;
  if (chronicLowSpo2) spo2 = longTermOxygen ? rng.uniform(88, 93) : rng.uniform(86, 91.5);
  else if (copd) spo2 = rng.truncNormal(93.8, 1.4, 91, 97);
  else if (hf) spo2 = rng.truncNormal(95.5, 1.1, 93, 98);
  else spo2 = rng.truncNormal(97, 0.9, 95, 99.5);
  const oximeter = copd ? rng.chance(0.95) : hf ? rng.chance(0.65) : rng.chance(0.15);
  const kit: Kit = {
    scale: hf ? rng.chance(0.96) : rng.chance(diabetes ? 0.6 : 0.3),
    bpCuff: hf ? rng.chance(0.9) : rng.chance(diabetes ? 0.6 : 0.3),
    oximeter,
    respiratoryRate: (copd || hf) && rng.chance(copd ? 0.65 : 0.4),
    thermometer: copd ? rng.chance(0.5) : rng.chance(0.15),
    glucometer: diabetes,
  };
  const normals: Normals = {
    weightKg,
    systolicBp: round(hf ? rng.truncNormal(112, 13, 88, 150) : rng.truncNormal(132, 14, 100, 175), 0),
    diastolicRatio: round(rng.uniform(0.56, 0.68), 3),
    heartRate: round(hf ? rng.truncNormal(71, 10, 48, 100) : copd ? rng.truncNormal(88, 10, 62, 112) : rng.truncNormal(76, 10, 52, 105), 0),
    respiratoryRate: round(copd ? rng.truncNormal(19.5, 2.5, 14, 25) : hf ? rng.truncNormal(17, 2, 12, 22) : rng.truncNormal(15, 1.6, 11, 20), 1),
    spo2: round(spo2, 1),
    temperatureC: round(rng.truncNormal(36.6, 0.25, 36, 37.2), 2),
    glucoseMgDl: diabetes ? round(rng.truncNormal(insulin ? 155 : 140, 25, 100, 220), 0) : 0,
    glucoseCv: diabetes ? round(insulin ? rng.uniform(0.2, 0.34) : rng.uniform(0.12, 0.24), 3) : 0,
    phq9: depression ? round(rng.uniform(3, 14.5), 1) : 0,
    gad7: depression ? round(rng.uniform(2, 12), 1) : 0,
    cat: copd ? round(rng.truncNormal(17, 6, 4, 32), 1) : 0,
    mood: round(depression ? rng.uniform(2.6, 4) : rng.uniform(3.4, 4.6), 2),
    breathlessness: round(copd ? rng.uniform(1, 2.8) : hf ? rng.uniform(0.3, 2) : 0, 2),
    swelling: round(hf ? rng.uniform(0, 1.8) : 0, 2),
    fatigue: round(rng.uniform(depression ? 1 : 0.3, depression ? 2.6 : 1.8), 2),
  };
  const offline = u(rng, params.offlineRatePerDay);
  return {
    conditions,
    insulin,
    news2SpO2Scale,
    chronicLowSpo2,
    longTermOxygen,
    ...(dryWeightKg !== undefined ? { dryWeightKg } : {}),
    staleDryWeight,
    kit,
    checkInHour: round(u(rng, params.checkInHour), 2),
    adherence: round(u(rng, params.adherence), 3),
    offlineRatePerDay: round(offline, 4),
    medicationAll: round(rng.uniform(0.8, 0.98), 3),
    lability: round(rng.uniform(0.7, 1.45), 3),
    questionnaireDay: rng.int(0, 6),
    gad7: depression && rng.chance(0.5),
    normals,
  };
}

/** Spreads a questionnaire total over `items` answers of at most `max` each (deterministic given rng). */
function spread(rng: Rng, total: number, items: number, max: number): number[] {
  const answers = new Array<number>(items).fill(0);
  let left = clamp(Math.round(total), 0, items * max);
  while (left > 0) {
    const i = rng.int(0, items - 1);
    if (answers[i] < max) {
      answers[i]++;
      left--;
    }
  }
  return answers;
}

export interface PatientSimOptions {
  params: SimParams;
  /** Stream key of the patient's identity (traits). */
  traitsKey: string;
  /** Stream key of the patient's days (values and ids); includes the cohort's start so that ids never repeat across anchors. */
  daysKey: string;
  startMs: number;
  /** Known number of days (labels an episode whose peak falls beyond it as censored); null when open-ended (live). */
  horizonDays: number | null;
}

/** A patient's days, one at a time, in order. */
export class PatientSim {
  readonly traits: Traits;
  readonly episodes: Episode[] = [];
  private readonly rng: Rng;
  private readonly ids: Rng;
  private readonly epiRng: Rng;
  private readonly p: SimParams;
  private nextDay = 0;
  private nextOnset: number;
  private current: Episode | null = null;
  private offlineUntil = -1;
  private reconnectMs = 0;
  private absentUntil = -1;
  private readonly ar: Record<'weight' | 'sbp' | 'hr' | 'rr' | 'spo2' | 'glucose' | 'phq9' | 'cat' | 'mood', Ar1>;

  constructor(private readonly o: PatientSimOptions) {
    this.p = o.params;
    this.traits = drawTraits(new Rng(o.traitsKey), o.params);
    this.rng = new Rng(`${o.daysKey}|values`);
    this.ids = new Rng(`${o.daysKey}|ids`);
    this.epiRng = new Rng(`${o.daysKey}|episodes`);
    const n = this.p.noiseScale * this.traits.lability;
    this.ar = {
      weight: new Ar1(0.9, 0.45 * n),
      sbp: new Ar1(0.8, 5 * n),
      hr: new Ar1(0.8, 3 * n),
      rr: new Ar1(0.7, 0.8 * n),
      spo2: new Ar1(0.7, 0.6 * n),
      glucose: new Ar1(0.6, this.traits.normals.glucoseCv * 0.5 * n),
      phq9: new Ar1(0.85, 1.6 * n),
      cat: new Ar1(0.8, 2 * n),
      mood: new Ar1(0.6, 0.4 * n),
    };
    this.nextOnset = this.p.earliestOnsetDay + this.waitDays();
  }

  get day(): number {
    return this.nextDay;
  }

  /** Time of day `d`'s habitual check-in. */
  habitualMs(d: number): number {
    return this.o.startMs + d * DAY_MS + Math.round(this.traits.checkInHour * HOUR_MS);
  }

  private rates(): { type: EpisodeType; rate: number }[] {
    const t = this.traits;
    const r = this.p.episodesPer90Days;
    const out: { type: EpisodeType; rate: number }[] = [];
    if (t.conditions.includes('heart-failure')) out.push({ type: 'hf-decompensation', rate: r['hf-decompensation'] / 90 });
    if (t.conditions.includes('copd')) out.push({ type: 'copd-exacerbation', rate: r['copd-exacerbation'] / 90 });
    if (t.conditions.includes('diabetes')) out.push({ type: 'hypoglycaemia', rate: (r.hypoglycaemia * (t.insulin ? 1 : 0.1)) / 90 });
    if (t.conditions.includes('diabetes')) out.push({ type: 'hyperglycaemia', rate: (r.hyperglycaemia * (t.insulin ? 1 : 1 / 3)) / 90 });
    if (t.conditions.includes('depression')) out.push({ type: 'depressive-episode', rate: r['depressive-episode'] / 90 });
    return out;
  }

  private waitDays(): number {
    const total = this.rates().reduce((s, x) => s + x.rate, 0);
    return total > 0 ? Math.floor(this.epiRng.exponential(total)) : Number.POSITIVE_INFINITY;
  }

  private beginEpisode(day: number): Episode {
    const r = this.epiRng;
    const type = r.weighted(this.rates().map((x) => ({ weight: x.rate, value: x.type })));
    const [lo, hi] = this.p.onsetToPeakDays[type];
    const peakDay = day + r.int(lo, hi);
    const signs: EpisodeSigns = {};
    let recovery: number;
    switch (type) {
      case 'hf-decompensation': {
        const silent = r.chance(this.p.hfWeightSilentShare);
        signs.silent = silent;
        signs.weightGainKg = round(silent ? r.uniform(0.3, 1.2) : u(r, this.p.hfWeightGainKg), 1);
        signs.respiratoryRateRise = round(r.uniform(2, 7), 1);
        signs.heartRateRise = round(r.uniform(5, 18), 1);
        signs.spo2Drop = round(r.uniform(1, 4), 1);
        recovery = r.int(3, 7);
        if (r.chance(this.p.admissionShare.hf)) signs.admittedDays = r.int(3, 8);
        break;
      }
      case 'copd-exacerbation': {
        signs.spo2Drop = round(r.uniform(2, 7), 1);
        signs.respiratoryRateRise = round(r.uniform(3, 10), 1);
        signs.heartRateRise = round(r.uniform(8, 22), 1);
        signs.temperatureRise = r.chance(0.4) ? round(r.uniform(0.6, 1.6), 1) : 0;
        signs.catRise = round(r.uniform(6, 14), 1);
        recovery = r.int(7, 14);
        if (r.chance(this.p.admissionShare.copd)) signs.admittedDays = r.int(3, 8);
        break;
      }
      case 'hypoglycaemia': {
        signs.captured = r.chance(this.p.hypoCapturedShare);
        signs.nadirMgDl = r.int(36, 66);
        recovery = 1;
        break;
      }
      case 'hyperglycaemia': {
        signs.glucoseRise = round(u(r, this.p.hyperPeakFactor), 2);
        recovery = r.int(2, 5);
        if (r.chance(this.p.admissionShare.hyper)) signs.admittedDays = r.int(2, 4);
        break;
      }
      default: {
        signs.phq9Rise = round(r.uniform(6, 14), 1);
        signs.item9 = r.chance(this.p.depressionItem9Share);
        recovery = r.int(14, 28);
      }
    }
    const endDay = peakDay + Math.max(recovery, signs.admittedDays ?? 0);
    // Physical deteriorations accelerate towards the peak; a depressive episode deepens more evenly.
    const shape = type === 'depressive-episode' ? r.uniform(0.8, 1.3) : r.uniform(1.2, 2.2);
    const ep: Episode = { type, startDay: day, peakDay, endDay, shape: round(shape, 2), signs };
    this.episodes.push(ep);
    return ep;
  }

  /** Severity 0..1 of the current episode on day d. */
  private severity(ep: Episode | null, d: number): number {
    if (ep === null || d < ep.startDay || d > ep.endDay) return 0;
    if (d <= ep.peakDay) return ep.peakDay === ep.startDay ? 1 : Math.pow((d - ep.startDay + 1) / (ep.peakDay - ep.startDay + 1), ep.shape);
    return Math.max(0, 1 - (d - ep.peakDay) / (ep.endDay - ep.peakDay + 1));
  }

  /**
   * Simulates the next day. `atMs` overrides the device time of the check-in (live mode: the
   * simulated day is stamped "now"); the values depend only on the day.
   */
  step(atMs?: number): DayOutput {
    const d = this.nextDay++;
    const r = this.rng;
    const t = this.traits;
    const nm = t.normals;
    const p = this.p;
    const out: DayOutput = { day: d };

    // Episodes: a renewal process; one at a time, with a refractory gap after each.
    if (this.current !== null && d > this.current.endDay) {
      this.nextOnset = d + this.epiRng.int(5, 10) + this.waitDays();
      this.current = null;
    }
    if (this.current === null && d >= this.nextOnset) {
      this.current = this.beginEpisode(d);
      out.episodeStarted = this.current;
    }
    const ep = this.current;
    const s = this.severity(ep, d);
    const sOf = (type: EpisodeType): number => (ep !== null && ep.type === type ? s : 0);
    const hf = sOf('hf-decompensation');
    const copd = sOf('copd-exacerbation');
    const hypo = sOf('hypoglycaemia');
    const hyper = sOf('hyperglycaemia');
    const dep = sOf('depressive-episode');
    const preOrPeak = ep !== null && d <= ep.peakDay;

    // Physiology evolves whether or not the patient checks in.
    const n = p.noiseScale * t.lability;
    const me = p.measurementErrorScale;
    const ar = {
      weight: this.ar.weight.step(r),
      sbp: this.ar.sbp.step(r),
      hr: this.ar.hr.step(r),
      rr: this.ar.rr.step(r),
      spo2: this.ar.spo2.step(r),
      glucose: this.ar.glucose.step(r),
      phq9: this.ar.phq9.step(r),
      cat: this.ar.cat.step(r),
      mood: this.ar.mood.step(r),
    };

    // Does the patient check in today?
    if (ep !== null && ep.signs.admittedDays !== undefined && d >= ep.peakDay && d < ep.peakDay + ep.signs.admittedDays) {
      // In hospital; on the day of admission about half still check in before they go.
      if (d > ep.peakDay || r.chance(0.5)) this.absentUntil = Math.max(this.absentUntil, ep.peakDay + ep.signs.admittedDays - 1);
    }
    if (d > this.absentUntil && r.chance(p.disengageRatePerDay)) this.absentUntil = d + r.int(1, 6);
    if (d > this.offlineUntil && r.chance(t.offlineRatePerDay)) {
      // Offline for 1 to 4 days; back online some hours before the next day's check-in, when the queue is sent.
      this.offlineUntil = d + r.int(0, 3);
      this.reconnectMs = this.habitualMs(this.offlineUntil + 1) - Math.round(r.uniform(1, 6) * 60) * 60_000;
    }
    const absent = d <= this.absentUntil;
    const skips = !r.chance(Math.max(0.2, t.adherence - 0.15 * s));
    if (absent || skips) return out;

    const jitterMin = clamp(r.normal(0, 35), -120, 120);
    const recordedMs = atMs ?? this.habitualMs(d) + Math.round(jitterMin * 60) * 1000;
    const has = (c: Condition): boolean => t.conditions.includes(c);
    const weekly = (d - t.questionnaireDay) % 7 === 0;
    const fortnightly = (d - t.questionnaireDay) % 14 === 0;
    const art = (): boolean => r.chance(p.artefactRate);

    const vitals: NonNullable<CheckIn['vitals']> = {};
    // Weight: heart failure daily, others weekly.
    if (t.kit.scale && (has('heart-failure') ? r.chance(0.97) : weekly)) {
      let gain = 0;
      // Fluid builds up to the peak and is lost again (diuretics) over the recovery.
      if (ep !== null && ep.type === 'hf-decompensation') gain = (ep.signs.weightGainKg ?? 0) * hf;
      let w = nm.weightKg + ar.weight + r.normal(0, 0.3 * n) + gain + r.normal(0, 0.1 * me);
      if (art()) w += r.uniform(1.2, 3.5); // weighed in clothes and shoes
      vitals.weightKg = round(clamp(w, 20, 350), 1);
    }
    if (t.kit.bpCuff && r.chance(0.92)) {
      let sbp = nm.systolicBp + ar.sbp + r.normal(0, 7 * n) + r.normal(0, 4 * me) - 6 * hf + 4 * copd;
      if (art()) sbp += r.pick([-25, 30]);
      const sys = round(clamp(sbp, 70, 230), 0);
      const dia = round(clamp(sys * nm.diastolicRatio + r.normal(0, 4), 35, sys - 15), 0);
      vitals.systolicBp = sys;
      vitals.diastolicBp = dia;
    }
    const hrRise = (ep?.signs.heartRateRise ?? 0) * (hf + copd) + 12 * hypo;
    // A cuff reports the pulse with the pressure; an oximeter with the saturation.
    if (vitals.systolicBp !== undefined || (t.kit.oximeter && r.chance(0.95))) {
      let hr = nm.heartRate + ar.hr + r.normal(0, 4.5 * n) + r.normal(0, 2 * me) + hrRise;
      if (art()) hr += r.uniform(25, 45); // motion artefact
      vitals.heartRate = round(clamp(hr, 30, 200), 0);
    }
    if (t.kit.oximeter && r.chance(0.95)) {
      const drop = (ep?.signs.spo2Drop ?? 0) * (hf + copd);
      const onO2 = t.longTermOxygen;
      let sp = nm.spo2 + ar.spo2 + r.normal(0, 0.8 * n) + r.normal(0, 0.9 * me) - drop;
      if (art()) sp = r.uniform(79, 88); // cold fingers, poor contact
      vitals.spo2 = round(clamp(sp, 70, 100), 0);
      vitals.onSupplementalOxygen = onO2;
    }
    if (t.kit.respiratoryRate && r.chance(0.85)) {
      const rise = (ep?.signs.respiratoryRateRise ?? 0) * (hf + copd);
      const rr = nm.respiratoryRate + ar.rr + r.normal(0, 1.1 * n) + r.normal(0, 1 * me) + rise;
      vitals.respiratoryRate = round(clamp(rr, 6, 50), 0);
    }
    const unwell = s > 0.3;
    if (t.kit.thermometer ? r.chance(0.6) || unwell : unwell && r.chance(0.3)) {
      const rise = (ep?.signs.temperatureRise ?? 0) * copd;
      vitals.temperatureC = round(clamp(nm.temperatureC + r.normal(0, 0.2 * n) + r.normal(0, 0.12 * me) + rise, 34, 41.5), 1);
    }
    if (t.kit.glucometer && r.chance(0.93)) {
      let g = nm.glucoseMgDl * Math.exp(ar.glucose + r.normal(0, nm.glucoseCv * 0.85 * n));
      if (ep !== null && ep.type === 'hypoglycaemia') {
        if (d === ep.peakDay) g = ep.signs.captured ? (ep.signs.nadirMgDl ?? 50) : Math.max(74, g * 0.75);
        else if (d < ep.peakDay) g *= 1 - 0.3 * hypo;
      }
      if (hyper > 0) g *= 1 + ((ep?.signs.glucoseRise ?? 1) - 1) * hyper;
      g *= 1 + r.normal(0, 0.05 * me); // meter error (ISO 15197 allows ±15%)
      vitals.glucoseMgDl = round(clamp(g, 20, 600), 0);
    }
    if (hypo >= 1 && r.chance(0.15)) vitals.consciousness = 'C'; // reported by a carer

    const symptoms: NonNullable<CheckIn['symptoms']> = {};
    const scale04 = (x: number): number => round(clamp(x, 0, 4), 0);
    if (has('heart-failure') || has('copd')) {
      symptoms.breathlessness = scale04(nm.breathlessness + r.normal(0, 0.5 * n) + 2.8 * hf + 2.4 * copd);
      const chest = r.chance(0.0015 + (hf > 0.7 && preOrPeak ? 0.06 : 0));
      if (chest) symptoms.chestPain = true;
    }
    if (has('heart-failure')) symptoms.swelling = scale04(nm.swelling + r.normal(0, 0.4 * n) + 2.5 * Math.sqrt(hf));
    if (has('diabetes') && r.chance(0.8)) symptoms.dizziness = scale04(Math.abs(r.normal(0, 0.4)) + 3.2 * hypo + (hypo >= 1 && !ep?.signs.captured ? 0.5 : 0));
    if (r.chance(0.85)) symptoms.fatigue = scale04(nm.fatigue + r.normal(0, 0.6 * n) + 1.8 * s);

    const questionnaires: NonNullable<CheckIn['questionnaires']> = [];
    // PHQ-9 and GAD-7 ask about the last two weeks: every 14 days. CAT weekly.
    if (has('depression') && fortnightly && r.chance(0.9)) {
      const total = clamp(nm.phq9 + ar.phq9 + r.normal(0, 1.8 * n) + (ep?.signs.phq9Rise ?? 0) * dep, 0, 27);
      const item9 = ep?.signs.item9 && dep >= 0.75 && preOrPeak ? r.int(1, 2) : 0;
      const answers = [...spread(r, total - item9, 8, 3), item9];
      questionnaires.push({ instrument: 'PHQ-9', answers });
      if (t.gad7) {
        questionnaires.push({ instrument: 'GAD-7', answers: spread(r, nm.gad7 + r.normal(0, 2 * n) + 0.5 * (ep?.signs.phq9Rise ?? 0) * dep, 7, 3) });
      }
    }
    if (has('copd') && weekly && r.chance(0.85)) {
      const total = clamp(nm.cat + ar.cat + r.normal(0, 2 * n) + (ep?.signs.catRise ?? 0) * copd, 0, 40);
      questionnaires.push({ instrument: 'CAT', answers: spread(r, total, 8, 5) });
    }

    // A day stamped live (`atMs`) gets an id of its own stamp too: a second demo run on the same day
    // re-lives the same days at other times, and the same id with another body is a 409 at ingest.
    const dayId = this.ids.uuid();
    const checkInId = atMs === undefined ? dayId : new Rng(`${dayId}|live|${atMs}`).uuid();
    const checkIn: CheckIn = { checkInId, recordedAt: isoSeconds(recordedMs) };
    if (Object.keys(vitals).length > 0) checkIn.vitals = vitals;
    if (Object.keys(symptoms).length > 0) checkIn.symptoms = symptoms;
    if (questionnaires.length > 0) checkIn.questionnaires = questionnaires;
    if (r.chance(0.9)) {
      const all = Math.max(0.3, t.medicationAll - 0.5 * dep - 0.1 * s);
      checkIn.medication = { adherence: r.chance(all) ? 'all' : r.chance(0.8) ? 'some' : 'none' };
    }
    if (has('depression') || r.chance(0.5)) {
      checkIn.mood = round(clamp(nm.mood + ar.mood + r.normal(0, 0.5 * n) - 2.2 * dep - 0.8 * (hf + copd), 1, 5), 0);
    }
    if (
      checkIn.vitals === undefined &&
      checkIn.symptoms === undefined &&
      checkIn.questionnaires === undefined &&
      checkIn.medication === undefined &&
      checkIn.mood === undefined
    ) {
      checkIn.mood = round(clamp(nm.mood, 1, 5), 0);
    }
    out.checkIn = checkIn;
    if (d <= this.offlineUntil) {
      // Queued on the phone; the whole queue is sent at once when it reconnects.
      out.sentOnDay = this.offlineUntil + 1;
      out.sentAtMs = atMs === undefined ? this.reconnectMs : atMs + (this.offlineUntil + 1 - d) * DAY_MS;
    } else {
      out.sentOnDay = d;
      out.sentAtMs = recordedMs + r.int(1, 40) * 1000;
    }
    return out;
  }

  /** An episode label is censored when its peak falls beyond the known horizon. */
  censored(ep: Episode): boolean {
    return this.o.horizonDays !== null && ep.peakDay >= this.o.horizonDays;
  }
}
