import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { CONDITIONS, validateCheckIn } from '@vigil/contracts';
import { CohortLine, CohortOptions, cohortToNdjson, generateCohort, parseCohortLines, readCohortFile, writeCohortFile } from './cohort';
import { EPISODE_CONDITION, TUNED } from './params';

jest.setTimeout(30_000); // generation validates every check-in: slow on a busy machine

const base: CohortOptions = { seed: 42, params: TUNED, patients: 8, days: 30, start: '2026-01-01', org: 'org-demo', teams: ['team-a', 'team-b'] };

describe('cohort generation', () => {
  const text = cohortToNdjson(base);
  const lines = text
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as CohortLine);

  it('is byte-identical for the same seed and options, and different for another seed', () => {
    expect(cohortToNdjson(base)).toBe(text);
    const other = cohortToNdjson({ ...base, seed: 43 });
    expect(other).not.toBe(text);
    expect(other.split('\n')[0]).toContain('"seed":"43"');
  });

  it('gives each patient numbers of its own: a smaller cohort is a prefix of a larger one', () => {
    const small = cohortToNdjson({ ...base, patients: 3 })
      .split('\n')
      .slice(1)
      .join('\n');
    const large = text.split('\n').slice(1).join('\n');
    expect(large.startsWith(small)).toBe(true);
  });

  it('writes a header, then per patient its profile, episodes and check-ins in device-time order', () => {
    expect(lines[0]).toMatchObject({ kind: 'cohort', format: 'vigil-simulator-cohort/1', seed: '42', preset: 'tuned', patients: 8, days: 30 });
    const kinds = lines.slice(1).map((l) => l.kind);
    expect(kinds.filter((k) => k === 'patient')).toHaveLength(8);
    let current = '';
    let phase = 0;
    let last = 0;
    for (const l of lines.slice(1)) {
      if (l.kind === 'patient') {
        current = l.patientId;
        phase = 0;
        last = 0;
        expect(l.profile.tenantId).toBe('org-demo');
        expect(['team-a', 'team-b']).toContain(l.profile.careTeamId);
        expect(l.profile.conditions.length).toBeGreaterThan(0);
        for (const c of l.profile.conditions) expect(CONDITIONS).toContain(c);
        continue;
      }
      if (l.kind === 'cohort') throw new Error('a second header');
      expect(l.patientId).toBe(current);
      const p = l.kind === 'episode' ? 1 : 2;
      expect(p).toBeGreaterThanOrEqual(phase);
      phase = p;
      if (l.kind === 'checkin') {
        const t = Date.parse(l.checkIn.recordedAt);
        expect(t).toBeGreaterThanOrEqual(last);
        last = t;
      }
    }
  });

  it('makes only check-ins that pass the contract, with unique ids, sent no earlier than recorded', () => {
    const ids = new Set<string>();
    let n = 0;
    for (const l of lines) {
      if (l.kind !== 'checkin') continue;
      n++;
      const v = validateCheckIn(l.checkIn);
      expect(v.ok ? [] : v.errors).toEqual([]);
      ids.add(l.checkIn.checkInId);
      expect(Date.parse(l.sentAt)).toBeGreaterThanOrEqual(Date.parse(l.checkIn.recordedAt));
      expect(l.checkIn.recordedAt.startsWith('2026-01')).toBe(true);
    }
    expect(n).toBeGreaterThan(8 * 30 * 0.5);
    expect(ids.size).toBe(n);
  });

  it('labels only episodes of the conditions a patient has', () => {
    const conditions = new Map<string, string[]>();
    for (const l of lines) {
      if (l.kind === 'patient') conditions.set(l.patientId, l.profile.conditions);
      if (l.kind === 'episode') expect(conditions.get(l.patientId)).toContain(EPISODE_CONDITION[l.type]);
    }
  });

  it('reads back what it writes, plain and gzipped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-cohort-'));
    try {
      const expected = generateCohort(base);
      expect(parseCohortLines(text.split('\n'))).toEqual(expected);
      await writeCohortFile(base, join(dir, 'c.ndjson'));
      expect(readFileSync(join(dir, 'c.ndjson'), 'utf8')).toBe(text);
      await writeCohortFile(base, join(dir, 'c.ndjson.gz'));
      expect(await readCohortFile(join(dir, 'c.ndjson.gz'))).toEqual(expected);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses bad options and bad files', () => {
    expect(() => cohortToNdjson({ ...base, start: '2026-02-30' })).toThrow(/start/);
    expect(() => cohortToNdjson({ ...base, patients: 0 })).toThrow(/patients/);
    expect(() => parseCohortLines(['{"kind":"checkin","patientId":"x"}'])).toThrow(/unknown patient/);
    expect(() => parseCohortLines(['{"kind":"patient","patientId":"x"}'])).toThrow(/header/);
  });
});
