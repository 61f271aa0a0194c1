/**
 * risk-scorer against the real servers (Kafka 127.0.0.1:9092, Cassandra :9042, Redis :6379):
 * the delivery scenarios. One keyspace, one topic prefix and one consumer group for the file;
 * the scorer runs in-process (createScorerApp) and is restarted half-way on the same keyspace and group.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { parseConfig } from '@vigil/config';
import {
  CheckIn,
  createEvent,
  EVENT_SOURCES,
  EVENT_TYPES,
  fromKafkaRecord,
  PatientProfile,
  prefixedTopic,
  TOPICS,
  VigilEvent,
  type AlertRaisedData,
  type RiskScoredData,
} from '@vigil/contracts';
import { EventPublisher, groupLag, type Kafka } from '@vigil/messaging';
import {
  createTestKeyspace,
  createTestTopics,
  deleteRedisPrefix,
  deleteTestTopics,
  testKafka,
  uniquePrefix,
  uniqueRedisPrefix,
  waitFor,
  type TestKeyspace,
} from '@vigil/testing';
import { createScorerApp, type ScorerApp } from './app';
import { scorerConfigSchema, type ScorerConfig } from './config';
import { riskScoredEventId } from '@vigil/scoring';
import type { Publisher } from './scorer';
import { ScorerStore } from './scorer.store';
import { createPinoLogger } from './telemetry';

jest.setTimeout(60_000);

const HOUR = 3_600_000;
const TENANT = 'org-it';

interface Seen {
  topic: string;
  event: VigilEvent;
}

/** Collects every event written to the scorer's output topics, from the beginning. */
async function startCollector(kafka: Kafka, prefix: string): Promise<{ seen: Seen[]; stop(): Promise<void> }> {
  const seen: Seen[] = [];
  const consumer = kafka.consumer({ groupId: `collector-${randomBytes(4).toString('hex')}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: [prefixedTopic(TOPICS.riskScores, prefix), prefixedTopic(TOPICS.alerts, prefix)], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      seen.push({ topic: topic.slice(prefix.length), event: fromKafkaRecord({ key: message.key, value: message.value, headers: message.headers }) });
    },
  });
  return { seen, stop: () => consumer.disconnect() };
}

describe('risk-scorer (Kafka, Cassandra, Redis)', () => {
  let ks: TestKeyspace;
  let kafka: Kafka;
  let producer: EventPublisher;
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let scorer: ScorerApp;
  let config: ScorerConfig;
  const prefix = uniquePrefix('scorer');
  const redisPrefix = uniqueRedisPrefix('scorer');
  const groupId = `risk-scorer-it-${randomBytes(4).toString('hex')}`;
  /** Test hook: patient ids whose next publish of risk.scored fails *after* Kafka acknowledged it (a crash before persist). */
  const failAfterPublish = new Set<string>();

  const faultyPublisher = (inner: Publisher): Publisher => ({
    async publishMany(topic, events) {
      await inner.publishMany(topic, events);
      const victim = events.find((e) => topic === TOPICS.riskScores && failAfterPublish.has(e.subject));
      if (victim) {
        failAfterPublish.delete(victim.subject);
        throw new Error('injected: crashed after publishing, before persisting');
      }
    },
  });

  /** Every log line of both scorer instances, at debug: checked for PHI at the end. */
  const logLines: string[] = [];
  const start = () =>
    createScorerApp(config, { wrapPublisher: faultyPublisher, logger: createPinoLogger('debug', { write: (line: string) => void logLines.push(line) }) });

  const scoresOf = (patientId: string) =>
    collector.seen.filter((s) => s.topic === TOPICS.riskScores && s.event.subject === patientId).map((s) => s.event as VigilEvent<RiskScoredData>);
  const alertsOf = (patientId: string) =>
    collector.seen.filter((s) => s.topic === TOPICS.alerts && s.event.subject === patientId).map((s) => s.event as VigilEvent<AlertRaisedData>);

  const enrol = (patientId: string, p: Partial<PatientProfile> = {}, type: string = EVENT_TYPES.patientEnrolled) => {
    const profile: PatientProfile = {
      patientId,
      tenantId: TENANT,
      careTeamId: 'team-a',
      conditions: [],
      news2SpO2Scale: 1,
      expectedCheckInIntervalHours: 48,
      status: 'active',
      updatedAt: new Date().toISOString(),
      ...p,
    };
    return producer.publish(
      TOPICS.patients,
      createEvent({
        id: randomUUID(),
        source: EVENT_SOURCES.careApi,
        type: type as typeof EVENT_TYPES.patientEnrolled,
        subject: patientId,
        time: profile.updatedAt,
        tenantid: TENANT,
        data: profile,
      }),
    );
  };

  const checkInEvent = (patientId: string, hoursAgo: number, body: Omit<CheckIn, 'checkInId' | 'recordedAt'>, checkInId = randomUUID()) =>
    createEvent<CheckIn>({
      id: randomUUID(),
      source: EVENT_SOURCES.ingestApi,
      type: EVENT_TYPES.checkinReceived,
      subject: patientId,
      time: new Date(Date.now() - hoursAgo * HOUR).toISOString(),
      tenantid: TENANT,
      data: { checkInId, recordedAt: new Date(Date.now() - hoursAgo * HOUR).toISOString(), ...body },
    });

  /** The state row as the scorer reads it (packed or JSON). */
  const stateRow = (patientId: string) => new ScorerStore(ks.client, ks.keyspace).loadState(TENANT, patientId);
  const scoreRows = async (patientId: string) =>
    (
      await ks.client.execute(
        `SELECT check_in_id, event_id, level FROM "${ks.keyspace}".risk_scores_by_patient WHERE tenant_id = ? AND patient_id = ? AND bucket IN ?`,
        [TENANT, patientId, monthBuckets()],
        { prepare: true },
      )
    ).rows;
  const monthBuckets = () => [...new Set([0, 35].map((d) => new Date(Date.now() - d * 24 * HOUR).toISOString().slice(0, 7)))];
  /** The scorer's group has committed everything on a topic. */
  const groupCaughtUp = async (topic: string): Promise<boolean> => (await groupLag(kafka, groupId, prefixedTopic(topic, prefix))) === 0;
  /** Lets in-flight work settle before counting (no event should still be on its way). */
  const settle = () => new Promise((r) => setTimeout(r, 1000));

  const vitals = (spo2: number) => ({ vitals: { spo2, heartRate: 72, respiratoryRate: 16 } });
  const dupGain = checkInEvent('dup-1', 0.1, { vitals: { weightKg: 91.5 } });
  const inputs = {
    hf: [checkInEvent('hf-1', 24.2, { vitals: { weightKg: 80.0 } }), checkInEvent('hf-1', 0.2, { vitals: { weightKg: 81.2 }, notes: 'ankles swollen' })],
    // the same event twice: two offsets
    dup: [checkInEvent('dup-1', 24, { vitals: { weightKg: 90 } }), dupGain, dupGain],
    spo2: [
      ...[89, 89, 90, 89, 88, 89, 89, 90].map((v, i) => checkInEvent('spo2-low-normal', (8 - i) * 24, vitals(v))),
      checkInEvent('spo2-low-normal', 0.1, vitals(89)),
      ...[98, 98, 97, 98, 98, 97, 98, 98].map((v, i) => checkInEvent('spo2-drop', (8 - i) * 24, vitals(v))),
      checkInEvent('spo2-drop', 0.1, vitals(91)),
    ],
    restart: checkInEvent('restart-1', 24, { vitals: { weightKg: 100 } }),
    // a patient not enrolled (yet)
    early: checkInEvent('late-enrol', 0.5, { vitals: { heartRate: 140, respiratoryRate: 26 } }),
  };

  beforeAll(async () => {
    kafka = testKafka('risk-scorer-it');
    [ks] = await Promise.all([createTestKeyspace('scorer'), createTestTopics(kafka, prefix)]);
    config = parseConfig(scorerConfigSchema, {
      ...process.env,
      TOPIC_PREFIX: prefix,
      KAFKA_GROUP_ID: groupId,
      KAFKA_TOPIC_PARTITIONS: '3',
      CASSANDRA_KEYSPACE: ks.keyspace,
      REDIS_KEY_PREFIX: redisPrefix,
      HOST: '127.0.0.1',
      PORT: '0',
      ENGAGEMENT_CHECK_INTERVAL_MS: '300',
      ENGAGEMENT_MAX_CONSUMER_LAG: '0',
      LOG_LEVEL: 'error',
    });
    producer = new EventPublisher(kafka, { topicPrefix: prefix });
    await producer.connect();
    [collector, scorer] = await Promise.all([startCollector(kafka, prefix), start()]);
    // The independent scenarios' inputs go out at once, so their processing overlaps; each test
    // below then waits for its own outcome. (Profiles and check-ins are on different topics: a
    // check-in may well be consumed before its enrolment, and is then parked and drained.)
    await Promise.all([
      enrol('hf-1', { conditions: ['heart-failure'], dryWeightKg: 80 }),
      enrol('dup-1', { conditions: ['heart-failure'] }),
      enrol('spo2-low-normal', { conditions: ['copd'], news2SpO2Scale: 2 }),
      enrol('spo2-drop', { conditions: ['copd'], news2SpO2Scale: 1 }),
      // Silent since an enrolment 49 h ago. (A check-in recorded 49 h ago but received now would not
      // be a silence: it restarts the clock when it arrives; see engagement-backfill.int-spec.ts.)
      enrol('silent-1', { expectedCheckInIntervalHours: 48, updatedAt: new Date(Date.now() - 49 * HOUR).toISOString() }),
      enrol('restart-1', { conditions: ['heart-failure'] }),
    ]);
    await producer.publishMany(TOPICS.checkins, [...inputs.hf, ...inputs.dup, ...inputs.spo2, inputs.early, inputs.restart]);
  });

  afterAll(async () => {
    await scorer?.close();
    await collector?.stop();
    await producer?.disconnect();
    await deleteTestTopics(kafka, prefix, [groupId]).catch(() => undefined);
    await deleteRedisPrefix(redisPrefix).catch(() => undefined);
    await ks?.drop().catch(() => undefined); // best effort: a busy shared Cassandra may time a DROP out
  });

  it('serves health and metrics', async () => {
    const live = await fetch(`${scorer.url}/health/live`);
    expect(live.status).toBe(200);
    const ready = await waitFor(async () => ((await fetch(`${scorer.url}/health/ready`)).status === 200 ? true : null), 10_000, { what: 'ready' });
    expect(ready).toBe(true);
    expect(await (await fetch(`${scorer.url}/metrics`)).text()).toContain('vigil_risk_scorer_checkins_total');
  });

  it('alerts with the weight factor when a heart-failure patient gains 1.2 kg overnight', async () => {
    const [alert] = await waitFor(() => (alertsOf('hf-1').length ? alertsOf('hf-1') : null), 20_000, { what: 'alert.raised for hf-1' });
    expect(alert.type).toBe(EVENT_TYPES.alertRaised);
    expect(alert.data).toMatchObject({ patientId: 'hf-1', tenantId: TENANT, careTeamId: 'team-a', modelVersion: 'v1' });
    expect(alert.data.reasons.map((r) => r.code)).toContain('hf.weightGain24h');
    await waitFor(async () => (await scoreRows('hf-1')).length === 2, 10_000, { what: 'two stored scores' });
    await waitFor(() => scoresOf('hf-1').length >= 2, 10_000, { what: 'two risk.scored' });
    await settle();
    expect(scoresOf('hf-1')).toHaveLength(2);
    expect(JSON.stringify(collector.seen)).not.toContain('ankles');
  });

  it('scores a check-in delivered twice once, and alerts once', async () => {
    const gain = dupGain;
    await waitFor(() => scoresOf('dup-1').length >= 2 && alertsOf('dup-1').length >= 1, 20_000, { what: 'scores of dup-1' });
    await waitFor(async () => (await stateRow('dup-1')).applied !== null, 20_000, { what: 'dup-1 state persisted' });
    await settle();
    expect(scoresOf('dup-1').filter((e) => e.data.checkInId === gain.data.checkInId)).toHaveLength(1);
    expect(alertsOf('dup-1')).toHaveLength(1);
    expect(await scoreRows('dup-1')).toHaveLength(2);
  });

  it('re-publishes identical events (same ids) after a crash between publish and persist, and applies the check-in once', async () => {
    await enrol('crash-1', { conditions: ['heart-failure'] });
    await producer.publish(TOPICS.checkins, checkInEvent('crash-1', 24, { vitals: { weightKg: 70 } }));
    await waitFor(() => scoresOf('crash-1').length === 1, 20_000);
    failAfterPublish.add('crash-1');
    const gain = checkInEvent('crash-1', 0.1, { vitals: { weightKg: 71.5 } });
    await producer.publish(TOPICS.checkins, gain);
    await waitFor(async () => (await stateRow('crash-1')).recentCheckIns.includes(gain.data.checkInId), 20_000, {
      what: 'check-in applied after the retry',
    });
    // Persisting follows the second publish, but the collector may not have read that copy yet.
    await waitFor(() => scoresOf('crash-1').filter((e) => e.data.checkInId === gain.data.checkInId).length >= 2, 10_000, { what: 'both copies collected' });
    await settle();
    const copies = scoresOf('crash-1').filter((e) => e.data.checkInId === gain.data.checkInId);
    expect(copies).toHaveLength(2); // published, "crashed", redelivered, published again...
    expect(new Set(copies.map((e) => e.id))).toEqual(new Set([riskScoredEventId('v1', gain.data.checkInId)])); // ...with the same id
    expect(JSON.stringify(copies[0])).toBe(JSON.stringify(copies[1])); // and the same content
    const alerts = alertsOf('crash-1');
    expect(alerts.length).toBeGreaterThanOrEqual(1);
    expect(new Set(alerts.map((a) => a.id)).size).toBe(1);
    expect(await scoreRows('crash-1')).toHaveLength(2);
    expect((await stateRow('crash-1')).recentCheckIns).toHaveLength(2);
  });

  it("learns one patient's SpO2 of 89% on scale 2 without alerting, and alerts on another's drop from 98% to 91%", async () => {
    const [drop] = await waitFor(() => (alertsOf('spo2-drop').length ? alertsOf('spo2-drop') : null), 20_000, { what: 'alert for the drop' });
    expect(drop.data.reasons.map((r) => r.code)).toContain('news2.spo2');
    await waitFor(() => scoresOf('spo2-low-normal').length === 9 && scoresOf('spo2-drop').length === 9, 20_000, { what: 'all scores' });
    const lastDrop = scoresOf('spo2-drop')[8];
    expect(lastDrop.data.factors.map((f) => f.code)).toEqual(expect.arrayContaining(['news2.spo2', 'baseline.spo2']));
    await settle();
    expect(alertsOf('spo2-low-normal')).toHaveLength(0);
    expect(scoresOf('spo2-low-normal').every((s) => s.data.level === 'none')).toBe(true);
  });

  it('parks a check-in of a patient not enrolled yet and scores it when the enrolment arrives', async () => {
    const early = inputs.early;
    const parked = await waitFor(
      async () => {
        const rs = await ks.client.execute(
          `SELECT check_in_id FROM "${ks.keyspace}".scorer_pending WHERE tenant_id = ? AND patient_id = ?`,
          [TENANT, 'late-enrol'],
          { prepare: true },
        );
        return rs.rowLength ? rs.rows : null;
      },
      20_000,
      { what: 'a parked check-in' },
    );
    expect(parked.map((r) => r['check_in_id'])).toEqual([early.data.checkInId]);
    expect(scoresOf('late-enrol')).toHaveLength(0);
    await enrol('late-enrol');
    const [score] = await waitFor(() => (scoresOf('late-enrol').length ? scoresOf('late-enrol') : null), 20_000, { what: 'the parked check-in scored' });
    expect(score.data.checkInId).toBe(early.data.checkInId);
    await waitFor(() => alertsOf('late-enrol').length === 1, 10_000, { what: 'its alert' });
    await waitFor(
      async () =>
        (
          await ks.client.execute(`SELECT check_in_id FROM "${ks.keyspace}".scorer_pending WHERE tenant_id = ? AND patient_id = ?`, [TENANT, 'late-enrol'], {
            prepare: true,
          })
        ).rowLength === 0,
      10_000,
      { what: 'pending emptied' },
    );
  });

  it('raises one missed-check-in alert for a silent patient, not one per tick', async () => {
    const [alert] = await waitFor(() => (alertsOf('silent-1').length ? alertsOf('silent-1') : null), 20_000, { what: 'engagement alert' });
    expect(alert.data.ruleCode).toBe('engagement.missedCheckIn');
    await new Promise((r) => setTimeout(r, 1200)); // several ticks of 300 ms
    expect(alertsOf('silent-1')).toHaveLength(1);
  });

  it('after a restart (and a redelivery of everything) scores the next check-in against the state from before, and raises nothing again', async () => {
    await waitFor(() => scoresOf('restart-1').length === 1, 20_000, { what: 'first check-in scored' });
    await settle();
    const before = collector.seen.length;

    await scorer.close();
    // Redelivery: rewind the group to the start of checkins.v1, as if nothing had been committed.
    const admin = kafka.admin();
    await admin.connect();
    await admin.resetOffsets({ groupId, topic: prefixedTopic(TOPICS.checkins, prefix), earliest: true });
    await admin.disconnect();
    scorer = await start();

    await waitFor(() => groupCaughtUp(TOPICS.checkins), 20_000, { what: 'redelivered backlog consumed and committed', intervalMs: 200 });
    await new Promise((r) => setTimeout(r, 700)); // engagement ticks of the new instance too
    expect(collector.seen.length).toBe(before); // nothing re-scored, nothing re-raised

    await producer.publish(TOPICS.checkins, checkInEvent('restart-1', 0.1, { vitals: { weightKg: 101.3 } }));
    const [alert] = await waitFor(() => (alertsOf('restart-1').length ? alertsOf('restart-1') : null), 20_000, { what: 'weight alert after restart' });
    expect(alert.data.reasons.map((r) => r.code)).toContain('hf.weightGain24h');
    expect(alertsOf('silent-1')).toHaveLength(1);
  });

  it('never logs check-in values or notes', () => {
    expect(logLines.length).toBeGreaterThan(0);
    const all = logLines.join('\n');
    expect(all).toContain('"patientId":"late-enrol"'); // ids are logged...
    // ...values never: no note, no vital field name as a JSON key, no value as a whole number (a
    // patient id may contain "spo2"; a timestamp or duration may contain the digits).
    for (const phi of ['ankles swollen', '"weightKg"', '"spo2"']) expect(all).not.toContain(phi);
    for (const value of [/(?<![\d.])81\.2(?!\d)/, /(?<![\d.])91\.5(?!\d)/]) expect(all).not.toMatch(value);
  });
});
