import 'reflect-metadata';
import { createEvent, EVENT_SOURCES, EVENT_TYPES, type CheckIn, type PatientProfile, type VigilEvent } from '@vigil/contracts';
import { ENGAGEMENT_RULE_CODE } from '@vigil/risk-engine';
import { riskScoredEventId } from '@vigil/scoring';
import { ProfileBook } from './profiles';
import { DAY_MS, rescorePatient, RescoreStats, type CheckInInput, type RescoreSettings } from './rescorer';

const H = 3_600_000;
const T0 = Date.UTC(2026, 0, 1);
const TENANT = 'org-1';
let n = 0;
const id = () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;

function item(hours: number, data: Partial<CheckIn>, patient = 'p1', checkInId = id()): CheckInInput {
  const recordedAt = new Date(T0 + hours * H).toISOString();
  const event: VigilEvent = createEvent({
    id: checkInId,
    source: EVENT_SOURCES.ingestApi,
    type: EVENT_TYPES.checkinReceived,
    subject: patient,
    tenantid: TENANT,
    time: recordedAt,
    data: { checkInId, recordedAt, ...data },
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  });
  return { event, at: T0 + hours * H };
}

function profiles(...versions: Partial<PatientProfile>[]): ProfileBook {
  const book = new ProfileBook();
  for (const v of versions.length ? versions : [{}]) {
    book.add({
      patientId: 'p1',
      tenantId: TENANT,
      careTeamId: 'team-a',
      conditions: [],
      news2SpO2Scale: 1,
      expectedCheckInIntervalHours: 48,
      status: 'active',
      updatedAt: new Date(T0 - DAY_MS).toISOString(),
      ...v,
    });
  }
  return book;
}

const calm = { vitals: { heartRate: 70, respiratoryRate: 14, spo2: 97, systolicBp: 125, temperatureC: 36.8 } };
const sick = { vitals: { heartRate: 135, respiratoryRate: 26, spo2: 90, systolicBp: 88, temperatureC: 39.5 } };
const settings = (over: Partial<RescoreSettings> = {}): RescoreSettings => ({ models: ['v1'], from: T0, to: T0 + 10 * DAY_MS, engagement: true, ...over });

describe('rescorePatient', () => {
  it('scores valid check-ins once each, in the given order, with the live event ids; skips invalid ones', () => {
    const stats = new RescoreStats(['v1']);
    const dupId = id();
    const items = [item(1, calm, 'p1', dupId), item(2, { vitals: { spo2: 20 } }), item(3, calm, 'p1', dupId), item(4, sick)];
    const out = rescorePatient(TENANT, 'p1', items, profiles().versions(TENANT, 'p1'), settings({ engagement: false }), stats)!.get('v1')!;
    expect(out.scores.map((s) => s.data.checkInId)).toEqual([dupId, (items[3].event.data as CheckIn).checkInId]);
    expect(out.scores[0].id).toBe(riskScoredEventId('v1', dupId));
    expect(out.scores[0].time).toBe((items[0].event.data as CheckIn).recordedAt);
    expect(out.scores[0].traceparent).toBe(items[0].event.traceparent);
    expect(out.alerts.length).toBeGreaterThan(0);
    expect(out.alerts.every((a) => a.data.checkInId === out.scores[1].data.checkInId)).toBe(true);
    expect(stats).toMatchObject({ read: 4, invalid: 1, duplicates: 1 });
    expect(stats.model('v1').scored).toBe(2);
  });

  it('does not score a patient without a profile (live parks them)', () => {
    const stats = new RescoreStats(['v1']);
    expect(rescorePatient(TENANT, 'p1', [item(1, calm)], null, settings(), stats)).toBeNull();
    expect(stats).toMatchObject({ noProfile: 1, patientsNoProfile: 1 });
  });

  it('uses the profile in effect at each device time: discharged from day 2 suppresses alerts, scores go on', () => {
    const stats = new RescoreStats(['v1']);
    const book = profiles({}, { status: 'discharged', updatedAt: new Date(T0 + 48 * H).toISOString() });
    const out = rescorePatient(TENANT, 'p1', [item(1, sick), item(60, sick), item(70, calm)], book.versions(TENANT, 'p1'), settings(), stats)!.get('v1')!;
    expect(out.scores).toHaveLength(3);
    expect(out.alerts.every((a) => Date.parse(a.data.triggeredAt) < T0 + 48 * H)).toBe(true);
    expect(out.alerts.some((a) => a.data.ruleCode === ENGAGEMENT_RULE_CODE)).toBe(false);
    expect(stats.model('v1').suppressed).toBeGreaterThan(0);
  });

  it('raises missed-check-in alerts for silences longer than the interval, at check-ins and at the range end', () => {
    const stats = new RescoreStats(['v1']);
    const items = [item(0, calm), item(24, calm), item(100, calm), item(110, calm)];
    const out = rescorePatient(TENANT, 'p1', items, profiles().versions(TENANT, 'p1'), settings({ to: T0 + 7 * DAY_MS }), stats)!.get('v1')!;
    const missed = out.alerts.filter((a) => a.data.ruleCode === ENGAGEMENT_RULE_CODE).map((a) => a.data.triggeredAt);
    expect(missed).toEqual([new Date(T0 + 72 * H).toISOString(), new Date(T0 + 158 * H).toISOString()]);
    const none = rescorePatient(
      TENANT,
      'p1',
      items,
      profiles().versions(TENANT, 'p1'),
      settings({ to: T0 + 7 * DAY_MS, engagement: false }),
      new RescoreStats(['v1']),
    )!.get('v1')!;
    expect(none.alerts).toHaveLength(0);
    // Patient-days: from the first check-in to the end of the range.
    expect(stats.model('v1').patientDays).toBeCloseTo(7);
  });

  it('warm-up check-ins build state but are not written; two models keep separate state', () => {
    const stats = new RescoreStats(['static-v0', 'v1']);
    const items = [item(-30, calm), item(-20, calm), item(5, sick)];
    const out = rescorePatient(TENANT, 'p1', items, profiles().versions(TENANT, 'p1'), settings({ models: ['static-v0', 'v1'], engagement: false }), stats)!;
    for (const m of ['static-v0', 'v1'] as const) {
      expect(out.get(m)!.scores.map((s) => s.data.modelVersion)).toEqual([m]);
      expect(stats.model(m).scored).toBe(1);
    }
    expect(stats.warmup).toBe(2);
  });

  it('is deterministic: the same input gives the same events', () => {
    const items = [item(0, calm), item(30, sick), item(200, calm)];
    const run = () =>
      JSON.stringify([...rescorePatient(TENANT, 'p1', items, profiles().versions(TENANT, 'p1'), settings(), new RescoreStats(['v1']))!.entries()]);
    expect(run()).toBe(run());
  });
});
