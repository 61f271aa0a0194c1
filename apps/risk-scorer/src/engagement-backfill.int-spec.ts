/**
 * The missed-check-in clock against a backfill, on the real Kafka, Cassandra and
 * Redis, with model v2 (reminder at the interval, team alert at twice it). 29 days of daily
 * check-ins of 12 patients are sent in seconds, day by day, while the engagement check ticks every
 * 200 ms on a clock that starts at a fixed instant T0. Eleven patients never missed a check-in
 * (their last backfilled one is 2 h before T0, and they keep checking in afterwards); one went
 * silent 10 days before T0. Then the clock jumps forward in steps of about a day.
 *
 * Expected: nobody gets anything while the history arrives (a backlog is not a silence); the
 * patients who never missed one get nothing at all; the silent one gets `reminder.due` one interval
 * after its history arrived, then the missed-check-in alert at twice the interval, not before.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { parseConfig } from '@vigil/config';
import { CheckIn, createEvent, EVENT_SOURCES, EVENT_TYPES, fromKafkaRecord, PatientProfile, prefixedTopic, TOPICS, VigilEvent } from '@vigil/contracts';
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
import { scorerConfigSchema } from './config';
import { createPinoLogger } from './telemetry';

jest.setTimeout(120_000);

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 2, 1, 12, 0);
const TENANT = 'org-backfill';
const STEADY = Array.from({ length: 11 }, (_, i) => `steady-${i}`);
const SILENT = 'silent-0';

describe('missed-check-in clock during a 29-day backfill (Kafka, Cassandra, Redis)', () => {
  let ks: TestKeyspace;
  let kafka: Kafka;
  let producer: EventPublisher;
  let scorer: ScorerApp;
  const prefix = uniquePrefix('backfill');
  const redisPrefix = uniqueRedisPrefix('backfill');
  const groupId = `risk-scorer-bf-${randomBytes(4).toString('hex')}`;
  const seen: { topic: string; event: VigilEvent; at: number }[] = [];
  let collector: ReturnType<Kafka['consumer']>;

  // The scorer's clock: T0 when the test starts, running at real speed, plus the jumps.
  let realStart = Date.now();
  let jumped = 0;
  const now = () => T0 + (Date.now() - realStart) + jumped;

  const of = (topic: string, patientId: string) => seen.filter((s) => s.topic === topic && s.event.subject === patientId);
  const missed = (patientId: string) =>
    of(TOPICS.alerts, patientId).filter((s) => (s.event.data as { ruleCode: string }).ruleCode === 'engagement.missedCheckIn');

  const checkIn = (patientId: string, at: number) =>
    createEvent<CheckIn>({
      id: randomUUID(),
      source: EVENT_SOURCES.ingestApi,
      type: EVENT_TYPES.checkinReceived,
      subject: patientId,
      time: new Date(at).toISOString(),
      tenantid: TENANT,
      data: { checkInId: randomUUID(), recordedAt: new Date(at).toISOString(), vitals: { heartRate: 72, respiratoryRate: 15, spo2: 97 }, mood: 4 },
    });

  const enrol = (patientId: string) => {
    const profile: PatientProfile = {
      patientId,
      tenantId: TENANT,
      careTeamId: 'team-bf',
      conditions: [],
      news2SpO2Scale: 1,
      expectedCheckInIntervalHours: 48,
      status: 'active',
      updatedAt: new Date(T0 - 30 * DAY).toISOString(),
    };
    return producer.publish(
      TOPICS.patients,
      createEvent({
        id: randomUUID(),
        source: EVENT_SOURCES.careApi,
        type: EVENT_TYPES.patientEnrolled,
        subject: patientId,
        time: profile.updatedAt,
        tenantid: TENANT,
        data: profile,
      }),
    );
  };

  const caughtUp = async () => (await groupLag(kafka, groupId, prefixedTopic(TOPICS.checkins, prefix))) === 0;

  beforeAll(async () => {
    kafka = testKafka('risk-scorer-backfill');
    [ks] = await Promise.all([createTestKeyspace('backfill'), createTestTopics(kafka, prefix)]);
    producer = new EventPublisher(kafka, { topicPrefix: prefix });
    await producer.connect();
    collector = kafka.consumer({ groupId: `collector-${randomBytes(4).toString('hex')}`, maxWaitTimeInMs: 100 });
    await collector.connect();
    await collector.subscribe({ topics: [prefixedTopic(TOPICS.alerts, prefix), prefixedTopic(TOPICS.reminders, prefix)], fromBeginning: true });
    await collector.run({
      eachMessage: async ({ topic, message }) => {
        seen.push({
          topic: topic.slice(prefix.length),
          event: fromKafkaRecord({ key: message.key, value: message.value, headers: message.headers }),
          at: now(),
        });
      },
    });
    const config = parseConfig(scorerConfigSchema, {
      ...process.env,
      TOPIC_PREFIX: prefix,
      KAFKA_GROUP_ID: groupId,
      KAFKA_TOPIC_PARTITIONS: '3',
      CASSANDRA_KEYSPACE: ks.keyspace,
      REDIS_KEY_PREFIX: redisPrefix,
      HOST: '127.0.0.1',
      PORT: '0',
      MODEL_VERSION: 'v2',
      ENGAGEMENT_CHECK_INTERVAL_MS: '200',
      LOG_LEVEL: 'error',
    });
    realStart = Date.now();
    scorer = await createScorerApp(config, { now, logger: createPinoLogger('error') });
    await Promise.all([...STEADY, SILENT].map(enrol));
  });

  afterAll(async () => {
    await scorer?.close();
    await collector?.disconnect();
    await producer?.disconnect();
    await deleteTestTopics(kafka, prefix, [groupId]).catch(() => undefined);
    await deleteRedisPrefix(redisPrefix).catch(() => undefined);
    await ks?.drop().catch(() => undefined);
  });

  it('raises nothing while 29 days of history arrive, and nothing for patients who never missed a check-in', async () => {
    // The backfill: day by day, oldest first, as a simulator or an import sends it, while ticks run.
    for (let d = 29; d >= 0; d--) {
      const day = STEADY.map((p) => checkIn(p, T0 - 2 * HOUR - d * DAY));
      if (d >= 10) day.push(checkIn(SILENT, T0 - d * DAY));
      await producer.publishMany(TOPICS.checkins, day);
      await new Promise((r) => setTimeout(r, 150));
    }
    await waitFor(caughtUp, 30_000, { what: 'backfill consumed', intervalMs: 200 });
    await new Promise((r) => setTimeout(r, 1500)); // ticks after the backfill
    expect(seen.filter((s) => s.topic === TOPICS.alerts)).toEqual([]);
    expect(seen.filter((s) => s.topic === TOPICS.reminders)).toEqual([]);

    // Then a few days pass; the steady patients keep checking in (device time just before now).
    const step = async (toHours: number) => {
      jumped = T0 + toHours * HOUR - (T0 + (Date.now() - realStart));
      await producer.publishMany(
        TOPICS.checkins,
        STEADY.map((p) => checkIn(p, now() - HOUR)),
      );
      await waitFor(caughtUp, 30_000, { what: `check-ins of +${toHours} h consumed`, intervalMs: 200 });
    };

    await step(25);
    await new Promise((r) => setTimeout(r, 1000));
    expect(of(TOPICS.reminders, SILENT)).toEqual([]); // 25 h since its history arrived: not due

    await step(50); // past one interval since the silent patient was last heard from
    const [reminder] = await waitFor(() => (of(TOPICS.reminders, SILENT).length ? of(TOPICS.reminders, SILENT) : null), 20_000, { what: 'reminder.due' });
    expect(reminder.event.type).toBe(EVENT_TYPES.reminderDue);
    expect(reminder.event.data).toMatchObject({ patientId: SILENT, lastCheckInAt: new Date(T0 - 10 * DAY).toISOString(), expectedIntervalHours: 48 });
    await step(75);
    await new Promise((r) => setTimeout(r, 1000));
    expect(missed(SILENT)).toEqual([]); // reminded, the team not told yet

    await step(99); // past twice the interval
    const [alert] = await waitFor(() => (missed(SILENT).length ? missed(SILENT) : null), 20_000, { what: 'missed-check-in alert' });
    expect(alert.at).toBeGreaterThan(reminder.at);
    await new Promise((r) => setTimeout(r, 1000));

    expect(of(TOPICS.reminders, SILENT)).toHaveLength(1);
    expect(missed(SILENT)).toHaveLength(1);
    for (const p of STEADY)
      expect({ p, reminders: of(TOPICS.reminders, p).length, alerts: of(TOPICS.alerts, p).length }).toEqual({ p, reminders: 0, alerts: 0 });
  });
});
