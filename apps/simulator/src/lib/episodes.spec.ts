import { generateCohort, CohortPatient, EpisodeLine } from './cohort';
import { EpisodeType, SimParams, TUNED } from './params';
import { DAY_MS } from './patient';

/** Many episodes in a small cohort: rates raised, every diabetic on insulin. */
const BUSY: SimParams = {
  ...TUNED,
  name: 'busy',
  episodesPer90Days: { 'hf-decompensation': 3, 'copd-exacerbation': 3, hypoglycaemia: 4, hyperglycaemia: 3, 'depressive-episode': 2.5 },
  insulinShare: 1,
};
const cohort = generateCohort({ seed: 'episodes', params: BUSY, patients: 60, days: 120, start: '2026-01-01', org: 'org-demo', teams: ['team-a'] });

type Reading = { t: number; v: number };
function series(p: CohortPatient, pick: (c: CohortPatient['checkIns'][number]['checkIn']) => number | undefined): Reading[] {
  const out: Reading[] = [];
  for (const l of p.checkIns) {
    const v = pick(l.checkIn);
    if (v !== undefined) out.push({ t: Date.parse(l.checkIn.recordedAt), v });
  }
  return out;
}
const within = (xs: Reading[], from: number, to: number): number[] => xs.filter((x) => x.t >= from && x.t <= to).map((x) => x.v);
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[(s.length >> 1) - 1] + s[s.length >> 1]) / 2;
};
const times = (e: EpisodeLine) => ({ start: Date.parse(e.start), peak: Date.parse(e.peak), end: Date.parse(e.end) });

function episodesOf(type: EpisodeType): { p: CohortPatient; e: EpisodeLine }[] {
  const out: { p: CohortPatient; e: EpisodeLine }[] = [];
  for (const p of cohort.patients) for (const e of p.episodes) if (e.type === type && !e.censored) out.push({ p, e });
  return out;
}

/** Share of episodes (with enough readings) for which `test` holds. */
function share(list: { p: CohortPatient; e: EpisodeLine }[], test: (p: CohortPatient, e: EpisodeLine) => boolean | null): { n: number; ok: number } {
  let n = 0;
  let ok = 0;
  for (const { p, e } of list) {
    const r = test(p, e);
    if (r === null) continue;
    n++;
    if (r) ok++;
  }
  return { n, ok };
}

describe('labelled episodes appear in the data where the labels say', () => {
  it('has several episodes of every type', () => {
    for (const t of ['hf-decompensation', 'copd-exacerbation', 'hypoglycaemia', 'hyperglycaemia', 'depressive-episode'] as EpisodeType[]) {
      expect(episodesOf(t).length).toBeGreaterThanOrEqual(6);
    }
  });

  it('heart failure: weight builds up over the days before the peak', () => {
    const list = episodesOf('hf-decompensation').filter(({ e }) => !e.signs.silent && (e.signs.weightGainKg ?? 0) >= 2);
    const r = share(list, (p, e) => {
      const w = series(p, (c) => c.vitals?.weightKg);
      const { start, peak } = times(e);
      const before = within(w, start - 10 * DAY_MS, start - 1);
      const near = within(w, peak - 2 * DAY_MS, peak + 3 * 3_600_000);
      if (before.length < 3 || near.length === 0) return null;
      return Math.max(...near) - median(before) >= 0.5 * (e.signs.weightGainKg ?? 0);
    });
    expect(r.n).toBeGreaterThanOrEqual(5);
    expect(r.ok / r.n).toBeGreaterThanOrEqual(0.8);
  });

  it('COPD: saturation falls towards the peak', () => {
    const r = share(episodesOf('copd-exacerbation'), (p, e) => {
      const s = series(p, (c) => c.vitals?.spo2);
      const { start, peak } = times(e);
      const before = within(s, start - 10 * DAY_MS, start - 1);
      const near = within(s, peak - DAY_MS, peak + 3 * 3_600_000);
      if (before.length < 3 || near.length === 0) return null;
      return Math.min(...near) <= median(before) - 1;
    });
    expect(r.n).toBeGreaterThanOrEqual(5);
    expect(r.ok / r.n).toBeGreaterThanOrEqual(0.8);
  });

  it('hypoglycaemia: the peak reading is low when the label says it was caught', () => {
    const r = share(episodesOf('hypoglycaemia'), (p, e) => {
      if (!e.signs.captured) return null;
      const g = within(
        series(p, (c) => c.vitals?.glucoseMgDl),
        times(e).peak - 3 * 3_600_000,
        times(e).peak + 3 * 3_600_000,
      );
      if (g.length === 0) return null;
      return g[0] < 70;
    });
    expect(r.n).toBeGreaterThanOrEqual(4);
    expect(r.ok / r.n).toBeGreaterThanOrEqual(0.9);
  });

  it('hyperglycaemia: glucose near the peak is well above the usual, by about the labelled factor', () => {
    const r = share(episodesOf('hyperglycaemia'), (p, e) => {
      const g = series(p, (c) => c.vitals?.glucoseMgDl);
      const { start, peak } = times(e);
      const before = within(g, start - 10 * DAY_MS, start - 1);
      const near = within(g, peak - 3 * 3_600_000, peak + 3 * 3_600_000);
      if (before.length < 3 || near.length === 0) return null;
      return near[0] >= median(before) * (1 + 0.5 * ((e.signs.glucoseRise ?? 1) - 1));
    });
    expect(r.n).toBeGreaterThanOrEqual(5);
    expect(r.ok / r.n).toBeGreaterThanOrEqual(0.8);
  });

  it('depression: PHQ-9 rises over the episode; item 9 is above 0 only inside an episode that says so', () => {
    const total = (c: CohortPatient['checkIns'][number]['checkIn']) =>
      c.questionnaires?.find((q) => q.instrument === 'PHQ-9')?.answers.reduce((a, b) => a + b, 0);
    const r = share(episodesOf('depressive-episode'), (p, e) => {
      const q = series(p, total);
      const { start, peak } = times(e);
      const before = within(q, start - 30 * DAY_MS, start - 1);
      const near = within(q, peak - 10 * DAY_MS, peak + 7 * DAY_MS); // PHQ-9 asks about the last two weeks
      if (before.length < 1 || near.length === 0) return null;
      return Math.max(...near) >= median(before) + 4;
    });
    expect(r.n).toBeGreaterThanOrEqual(4);
    expect(r.ok / r.n).toBeGreaterThanOrEqual(0.75);

    let positives = 0;
    for (const p of cohort.patients) {
      for (const l of p.checkIns) {
        const phq = l.checkIn.questionnaires?.find((q) => q.instrument === 'PHQ-9');
        if (!phq || phq.answers[8] === 0) continue;
        positives++;
        const t = Date.parse(l.checkIn.recordedAt);
        const inside = p.episodes.some((e) => e.type === 'depressive-episode' && e.signs.item9 && t >= times(e).start && t <= times(e).peak + DAY_MS);
        expect(inside).toBe(true);
      }
    }
    expect(positives).toBeGreaterThan(0);
  });

  it('no check-ins while a patient is in hospital after the peak', () => {
    let admitted = 0;
    for (const p of cohort.patients) {
      for (const e of p.episodes) {
        const days = e.signs.admittedDays;
        if (days === undefined) continue;
        admitted++;
        const { peak } = times(e);
        const during = p.checkIns.filter((l) => {
          const t = Date.parse(l.checkIn.recordedAt);
          return t > peak + 12 * 3_600_000 && t < peak + (days - 1) * DAY_MS + 12 * 3_600_000;
        });
        expect(during).toEqual([]);
      }
    }
    expect(admitted).toBeGreaterThan(0);
  });

  it('an offline phone sends its queue as one batch, later', () => {
    let batches = 0;
    for (const p of cohort.patients) {
      const bySent = new Map<string, number>();
      for (const l of p.checkIns) bySent.set(l.sentAt, (bySent.get(l.sentAt) ?? 0) + 1);
      for (const l of p.checkIns) {
        const late = Date.parse(l.sentAt) - Date.parse(l.checkIn.recordedAt);
        if (late > 3_600_000) expect(late).toBeLessThan(5 * DAY_MS);
      }
      for (const n of bySent.values()) if (n > 1) batches++;
    }
    expect(batches).toBeGreaterThan(0);
  });
});
