import { CohortLine } from './cohort';
import { parseRetryAfter } from './feed';
import { TUNED } from './params';
import { feedStart, historyUploads, planFeed } from './run-feed';
import { runCli } from '../cli';

jest.setTimeout(30_000);

describe('feed planning', () => {
  const now = Date.parse('2026-05-20T15:00:00Z');
  const patients = planFeed({ seed: 'plan', params: TUNED, patients: 6, days: 20, org: 'org-demo', teams: ['team-a', 'team-b'], nowMs: now });

  it('anchors the history so that it ends yesterday, inside the 30-day window', () => {
    expect(feedStart(now, 20)).toBe('2026-04-30');
    expect(() => feedStart(now, 30)).toThrow(/0 to 29/);
    for (const p of patients) {
      for (const l of p.history) {
        const t = Date.parse(l.checkIn.recordedAt);
        expect(t).toBeLessThan(Date.parse('2026-05-20T00:00:00Z'));
        expect(t).toBeGreaterThan(now - 30 * 86_400_000);
      }
    }
    expect(patients.map((p) => p.profile.careTeamId)).toEqual(['team-a', 'team-b', 'team-a', 'team-b', 'team-a', 'team-b']);
  });

  it('sends as the phones did (offline queues as batches, in the order sent) or as quick batches', () => {
    const asSent = historyUploads(patients, 'as-sent');
    const n = patients.reduce((s, p) => s + p.history.length, 0);
    expect(asSent.reduce((s, u) => s + u.items.length, 0)).toBe(n);
    const batched = historyUploads(patients, 'batched');
    expect(batched).toHaveLength(6);
    expect(batched.every((u) => u.batch)).toBe(true);
    expect(batched.reduce((s, u) => s + u.items.length, 0)).toBe(n);
  });

  it('continues a patient live with device time now, from the same simulator', () => {
    const p = planFeed({ seed: 'plan', params: TUNED, patients: 1, days: 3, org: 'o', teams: ['t'], nowMs: now })[0];
    let out = p.sim.step(now);
    for (let k = 0; k < 5 && out.checkIn === undefined; k++) out = p.sim.step(now + k);
    expect(out.checkIn?.recordedAt.startsWith('2026-05-20T15:00')).toBe(true);
  });

  it('gives a day lived at another time (a second demo run) another checkInId, and the same time the same id', () => {
    const live = (at: number) => {
      const p = planFeed({ seed: 'plan', params: TUNED, patients: 1, days: 3, org: 'o', teams: ['t'], nowMs: now })[0];
      const ids: string[] = [];
      for (let k = 0; k < 6; k++) {
        const c = p.sim.step(at + k * 60_000).checkIn;
        if (c !== undefined) ids.push(c.checkInId);
      }
      return ids;
    };
    const first = live(now);
    expect(first.length).toBeGreaterThan(0);
    expect(live(now)).toEqual(first);
    const again = live(now + 3_600_000);
    expect(again.length).toBeGreaterThan(0);
    for (const id of again) expect(first).not.toContain(id);
  });

  it('reads Retry-After in seconds or as a date', () => {
    expect(parseRetryAfter('0')).toBe(0);
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter(new Date(Date.now() + 3000).toUTCString())).toBeGreaterThan(1000);
    expect(parseRetryAfter(null)).toBeNull();
    expect(parseRetryAfter('soon')).toBeNull();
  });
});

describe('cli', () => {
  const io = () => {
    const o = { out: '', err: '' };
    return { o, io: { out: (s: string) => void (o.out += s), err: (s: string) => void (o.err += s) } };
  };

  it('answers --help with 0, no command or a bad option with 2', async () => {
    for (const cmd of ['generate', 'evaluate', 'feed']) {
      const a = io();
      expect(await runCli([cmd, '--help'], a.io)).toBe(0);
      expect(a.o.out).toContain(`cli.ts ${cmd}`);
    }
    const b = io();
    expect(await runCli([], b.io)).toBe(2);
    expect(await runCli(['generate', '--nope'], b.io)).toBe(2);
    expect(await runCli(['generate', '--out', '-', '--days', 'x'], b.io)).toBe(2);
    expect(await runCli(['feed', '--ingest', 'nope'], b.io)).toBe(2);
    expect(await runCli(['evaluate'], b.io)).toBe(2);
    expect(b.o.err).toContain('--days must be an integer');
  });

  it('generates to stdout, the same bytes every time', async () => {
    const a = io();
    const b = io();
    const args = ['generate', '--out', '-', '--seed', '9', '--patients', '2', '--days', '5'];
    expect(await runCli(args, a.io)).toBe(0);
    expect(await runCli(args, b.io)).toBe(0);
    expect(a.o.out).toBe(b.o.out);
    const header = JSON.parse(a.o.out.split('\n')[0]) as CohortLine;
    expect(header).toMatchObject({ kind: 'cohort', seed: '9', patients: 2, days: 5 });
  });

  it('fails with 1 on a missing cohort file', async () => {
    const a = io();
    expect(await runCli(['evaluate', '--cohort', '/nonexistent/cohort.ndjson'], a.io)).toBe(1);
    expect(a.o.err).toContain('error:');
  });
});
