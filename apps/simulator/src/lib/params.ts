/**
 * Simulation parameter sets. `tuned` is the set the simulator and the evaluation rules were
 * developed against (with seed 42); `heldout` differs in noise, adherence, connectivity, case mix
 * and episode shapes and was only ever run for the report (with seed 7). README "Evaluation".
 */
import type { Condition } from '@vigil/contracts';

export type EpisodeType = 'hf-decompensation' | 'copd-exacerbation' | 'hypoglycaemia' | 'hyperglycaemia' | 'depressive-episode';
export const EPISODE_TYPES: readonly EpisodeType[] = ['hf-decompensation', 'copd-exacerbation', 'hypoglycaemia', 'hyperglycaemia', 'depressive-episode'];

/** The condition an episode type belongs to. */
export const EPISODE_CONDITION: Readonly<Record<EpisodeType, Condition>> = {
  'hf-decompensation': 'heart-failure',
  'copd-exacerbation': 'copd',
  hypoglycaemia: 'diabetes',
  hyperglycaemia: 'diabetes',
  'depressive-episode': 'depression',
};

export type Range = readonly [number, number];

export interface SimParams {
  readonly name: string;
  /** Case mix: combinations of conditions and their relative weights. */
  readonly conditionMix: readonly { readonly conditions: readonly Condition[]; readonly weight: number }[];
  /** Multiplies every day-to-day physiological variation. */
  readonly noiseScale: number;
  /** Multiplies every device measurement error. */
  readonly measurementErrorScale: number;
  /** Chance per reading of a device artefact (a cold-finger SpO2, a weighing in clothes, a double-counted pulse). */
  readonly artefactRate: number;
  /** Per patient: the chance of checking in on an ordinary day is drawn from this range. */
  readonly adherence: Range;
  /** Per day: chance that a spell of 2 to 7 days without check-ins begins. */
  readonly disengageRatePerDay: number;
  /** Per patient: the daily chance that the phone goes offline (for 1 to 4 days) is drawn from this range. */
  readonly offlineRatePerDay: Range;
  /** COPD patients whose usual SpO2 on air is 86-91%. */
  readonly copdChronicLowShare: number;
  /** Of those, the share enrolled on NEWS2 SpO2 scale 2 (the rest stay on scale 1, as many are in practice). */
  readonly scale2ShareOfChronicLow: number;
  /** Of those, the share on long-term oxygen. */
  readonly ltotShareOfChronicLow: number;
  /** Heart-failure patients whose recorded dry weight is out of date (usual weight 1.5-3 kg above it). */
  readonly staleDryWeightShare: number;
  /** Expected episodes per patient per 90 days, for a patient with the condition (hypoglycaemia: insulin users, others a tenth; hyperglycaemia: insulin users, others a third). */
  readonly episodesPer90Days: Readonly<Record<EpisodeType, number>>;
  readonly insulinShare: number;
  /** Heart-failure decompensations with little weight gain (0.3-1.2 kg). */
  readonly hfWeightSilentShare: number;
  /** Weight gained by the peak in the other decompensations, kg. */
  readonly hfWeightGainKg: Range;
  /** Days from onset to peak. */
  readonly onsetToPeakDays: Readonly<Record<EpisodeType, Range>>;
  /** Share of heart-failure / COPD peaks followed by a hospital stay (no check-ins for 3-8 days); hyperglycaemia (ketoacidosis): 2-4 days. */
  readonly admissionShare: { readonly hf: number; readonly copd: number; readonly hyper: number };
  /** Hyperglycaemia (illness, missed insulin): glucose at the peak as a multiple of the patient's usual. */
  readonly hyperPeakFactor: Range;
  /** Depressive episodes that reach thoughts of self-harm (PHQ-9 item 9 above 0 near the peak). */
  readonly depressionItem9Share: number;
  /** Hypoglycaemia peaks whose reading catches the low glucose (the rest: a normal reading, with symptoms). */
  readonly hypoCapturedShare: number;
  /** No episode begins before this day of the cohort (patients are usually enrolled long before). */
  readonly earliestOnsetDay: number;
  /** Habitual check-in hour (UTC) range. */
  readonly checkInHour: Range;
}

export const TUNED: SimParams = {
  name: 'tuned',
  conditionMix: [
    { conditions: ['heart-failure'], weight: 20 },
    { conditions: ['copd'], weight: 17 },
    { conditions: ['diabetes'], weight: 14 },
    { conditions: ['depression'], weight: 11 },
    { conditions: ['heart-failure', 'diabetes'], weight: 12 },
    { conditions: ['heart-failure', 'copd'], weight: 8 },
    { conditions: ['copd', 'depression'], weight: 7 },
    { conditions: ['diabetes', 'depression'], weight: 6 },
    { conditions: ['heart-failure', 'depression'], weight: 5 },
  ],
  noiseScale: 1,
  measurementErrorScale: 1,
  artefactRate: 0.004,
  adherence: [0.7, 0.97],
  disengageRatePerDay: 0.008,
  offlineRatePerDay: [0, 0.04],
  copdChronicLowShare: 0.35,
  scale2ShareOfChronicLow: 0.5,
  ltotShareOfChronicLow: 0.3,
  staleDryWeightShare: 0.2,
  episodesPer90Days: { 'hf-decompensation': 0.5, 'copd-exacerbation': 0.6, hypoglycaemia: 0.5, hyperglycaemia: 0.35, 'depressive-episode': 0.45 },
  insulinShare: 0.55,
  hfWeightSilentShare: 0.25,
  hfWeightGainKg: [1.8, 5.5],
  onsetToPeakDays: { 'hf-decompensation': [4, 11], 'copd-exacerbation': [2, 6], hypoglycaemia: [1, 3], hyperglycaemia: [2, 4], 'depressive-episode': [10, 24] },
  admissionShare: { hf: 0.5, copd: 0.3, hyper: 0.15 },
  hyperPeakFactor: [1.7, 2.8],
  depressionItem9Share: 0.5,
  hypoCapturedShare: 0.85,
  earliestOnsetDay: 10,
  checkInHour: [6.5, 10.5],
};

/** Held out: noisier patients and devices, worse adherence and connectivity, another case mix, subtler episodes. */
export const HELDOUT: SimParams = {
  name: 'heldout',
  conditionMix: [
    { conditions: ['heart-failure'], weight: 15 },
    { conditions: ['copd'], weight: 20 },
    { conditions: ['diabetes'], weight: 10 },
    { conditions: ['depression'], weight: 14 },
    { conditions: ['heart-failure', 'diabetes'], weight: 10 },
    { conditions: ['heart-failure', 'copd'], weight: 12 },
    { conditions: ['copd', 'depression'], weight: 6 },
    { conditions: ['diabetes', 'depression'], weight: 8 },
    { conditions: ['heart-failure', 'copd', 'diabetes'], weight: 5 },
  ],
  noiseScale: 1.25,
  measurementErrorScale: 1.3,
  artefactRate: 0.007,
  adherence: [0.6, 0.95],
  disengageRatePerDay: 0.012,
  offlineRatePerDay: [0, 0.06],
  copdChronicLowShare: 0.45,
  scale2ShareOfChronicLow: 0.4,
  ltotShareOfChronicLow: 0.35,
  staleDryWeightShare: 0.3,
  episodesPer90Days: { 'hf-decompensation': 0.45, 'copd-exacerbation': 0.7, hypoglycaemia: 0.4, hyperglycaemia: 0.4, 'depressive-episode': 0.4 },
  insulinShare: 0.5,
  hfWeightSilentShare: 0.3,
  hfWeightGainKg: [1.5, 5],
  onsetToPeakDays: { 'hf-decompensation': [3, 12], 'copd-exacerbation': [2, 7], hypoglycaemia: [1, 4], hyperglycaemia: [1, 5], 'depressive-episode': [8, 28] },
  admissionShare: { hf: 0.45, copd: 0.35, hyper: 0.2 },
  hyperPeakFactor: [1.5, 2.6],
  depressionItem9Share: 0.4,
  hypoCapturedShare: 0.75,
  earliestOnsetDay: 5,
  checkInHour: [6, 12],
};

export const PRESETS: Readonly<Record<string, SimParams>> = { tuned: TUNED, heldout: HELDOUT };

export function presetNamed(name: string): SimParams {
  const p = PRESETS[name];
  if (!p) throw new Error(`unknown preset ${name} (one of: ${Object.keys(PRESETS).join(', ')})`);
  return p;
}
