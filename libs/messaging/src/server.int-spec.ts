import { Controller, Inject, Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload, type MicroserviceOptions } from '@nestjs/microservices';
import { DLQ_HEADERS, TOPICS, toKafkaRecord } from '@vigil/contracts';
import { consumeAll, createTestTopics, deleteTestTopics, testKafka, uniquePrefix, waitFor } from '@vigil/testing';
import { randomBytes } from 'node:crypto';
import { from, type Observable } from 'rxjs';
import { BATCH, KafkaEventContext, type BatchHandlerResult, type ConsumedEvent } from './consumed-event';
import { PoisonMessageError } from './errors';
import { EventPublisher } from './publisher';
import { KafkaBatchServer, type KafkaBatchServerOptions } from './server';
import { checkinEvent } from './test/fixtures';

jest.setTimeout(30_000);

/** What the test's handlers do; each test plugs in its own behaviour. */
class Probe {
  checkin: (e: ConsumedEvent, ctx: KafkaEventContext) => Promise<unknown> = async () => undefined;
  alerts: (events: ConsumedEvent[]) => Promise<unknown> = async () => undefined;
  patient: (e: ConsumedEvent) => Promise<unknown> = async () => undefined;
}
const PROBE = 'PROBE';

@Controller()
class Handlers {
  constructor(@Inject(PROBE) private readonly probe: Probe) {}

  @EventPattern(TOPICS.checkins)
  onCheckin(@Payload() e: ConsumedEvent, @Ctx() ctx: KafkaEventContext): Promise<unknown> {
    return this.probe.checkin(e, ctx);
  }

  @EventPattern(TOPICS.alerts, BATCH)
  onAlerts(@Payload() events: ConsumedEvent[]): Promise<unknown> {
    return this.probe.alerts(events);
  }

  /** An Observable-returning handler. */
  @EventPattern(TOPICS.patients)
  onPatient(@Payload() e: ConsumedEvent): Observable<unknown> {
    return from(this.probe.patient(e));
  }
}

@Module({})
class TestModule {
  static with(probe: Probe): DynamicModule {
    return { module: TestModule, controllers: [Handlers], providers: [{ provide: PROBE, useValue: probe }] };
  }
}

const kafka = testKafka('messaging-server-it');
const prefix = uniquePrefix('srv');
const groups: string[] = [];
let publisher: EventPublisher;

beforeAll(async () => {
  await createTestTopics(kafka, prefix);
  publisher = new EventPublisher(kafka, { topicPrefix: prefix });
  await publisher.connect();
});

afterAll(async () => {
  await publisher.disconnect();
  await deleteTestTopics(kafka, prefix, groups);
});

async function startApp(probe: Probe, opts: Partial<KafkaBatchServerOptions> = {}) {
  const groupId = `g-${randomBytes(4).toString('hex')}`;
  groups.push(groupId);
  const server = new KafkaBatchServer({
    kafka,
    groupId,
    topicPrefix: prefix,
    sessionTimeoutMs: 10_000,
    heartbeatIntervalMs: 500,
    maxWaitTimeMs: 100,
    retry: { initialMs: 20, maxMs: 100 },
    ...opts,
  });
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(TestModule.with(probe), { strategy: server, logger: false });
  await app.listen();
  await server.whenReady(15_000);
  return { app, server, groupId };
}

async function committed(groupId: string, topic: string): Promise<Map<number, string>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [res] = await admin.fetchOffsets({ groupId, topics: [`${prefix}${topic}`] });
    return new Map(res.partitions.map((p) => [p.partition, p.offset]));
  } finally {
    await admin.disconnect();
  }
}

async function endOffsets(topic: string): Promise<Map<number, string>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return new Map((await admin.fetchTopicOffsets(`${prefix}${topic}`)).map((p) => [p.partition, p.high]));
  } finally {
    await admin.disconnect();
  }
}

const n = (e: ConsumedEvent) => (e.event.data as { n: number }).n;

describe('KafkaBatchServer (Nest microservice on a real broker)', () => {
  it('per-message and BATCH handlers receive decoded events in order per partition, and commit', async () => {
    const probe = new Probe();
    const perMessage: ConsumedEvent[] = [];
    const batches: ConsumedEvent[][] = [];
    probe.checkin = async (e, ctx) => {
      expect(ctx.getTopic()).toBe(TOPICS.checkins);
      perMessage.push(e);
    };
    probe.alerts = async (events) => {
      batches.push(events);
    };
    const { app, server, groupId } = await startApp(probe);
    try {
      const patients = ['a', 'b', 'c', 'd', 'e'];
      const evs = Array.from({ length: 50 }, (_, i) => checkinEvent(`patient-${patients[i % 5]}`, i));
      await Promise.all([publisher.publishMany(TOPICS.checkins, evs), publisher.publishMany(TOPICS.alerts, evs)]);
      await waitFor(() => perMessage.length >= 50 && batches.flat().length >= 50, 15_000, { what: 'all events handled' });

      for (const got of [perMessage, batches.flat()]) {
        expect(got).toHaveLength(50);
        expect(got[0].event).toEqual(expect.objectContaining({ specversion: '1.0', tenantid: 'org-test', type: 'org.vigil.checkin.received' }));
        for (const p of patients) {
          const mine = got.filter((e) => e.key === `patient-${p}`);
          expect(mine.map(n)).toEqual(evs.filter((e) => e.subject === `patient-${p}`).map((e) => e.data.n));
        }
        for (const part of new Set(got.map((e) => e.partition))) {
          const offsets = got.filter((e) => e.partition === part).map((e) => BigInt(e.offset));
          expect(offsets).toEqual([...offsets].sort((x, y) => (x < y ? -1 : 1)));
        }
      }
      expect(batches.every((b) => new Set(b.map((e) => e.partition)).size === 1)).toBe(true);
      expect(batches.length).toBeLessThan(50); // really batches
      await waitFor(
        async () => {
          const [c, end] = [await committed(groupId, TOPICS.checkins), await endOffsets(TOPICS.checkins)];
          return [...end].every(([p, high]) => high === '0' || c.get(p) === high);
        },
        10_000,
        { what: 'committed = end offsets' },
      );
      expect(server.stats()).toMatchObject({ ready: true, processed: 100, failed: 0, deadLettered: 0 });
    } finally {
      await app.close();
    }
  });

  it('dead-letters messages that are not JSON or not CloudEvents (original bytes + reason headers) and handles the ones after', async () => {
    const probe = new Probe();
    const handled: number[] = [];
    const patient = 'patient-dlq';
    probe.checkin = async (e) => {
      if (e.key === patient) handled.push(n(e));
    };
    const good = (i: number) => {
      const r = toKafkaRecord(checkinEvent(patient, i));
      return { key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp };
    };
    const notJson = { ...good(1), value: Buffer.from('{"notes": "truncated') };
    const notCe = { key: patient, value: Buffer.from('{"hello":"world"}'), headers: { 'x-legacy': 'yes' } };
    // All on one key: one partition, in this order.
    await publisher.publishRaw(`${prefix}${TOPICS.checkins}`, [good(0), notJson, good(2), notCe, good(4)]);

    const { app, server, groupId } = await startApp(probe);
    try {
      await waitFor(() => handled.length >= 3, 15_000, { what: 'valid events handled' });
      expect(handled).toEqual([0, 2, 4]);
      const dlq = await consumeAll(kafka, `${prefix}${TOPICS.checkins}.dlq`, { expected: 2 });
      const [a, b] = dlq.sort((x, y) => Number(x.headers[DLQ_HEADERS.sourceOffset]) - Number(y.headers[DLQ_HEADERS.sourceOffset]));
      expect(a.value).toEqual(notJson.value);
      expect(a.key).toBe(patient);
      expect(a.headers).toMatchObject({
        [DLQ_HEADERS.reason]: 'not-json',
        ce_id: notJson.headers.ce_id,
        [DLQ_HEADERS.consumerGroup]: groupId,
        [DLQ_HEADERS.sourceTopic]: `${prefix}${TOPICS.checkins}`,
      });
      expect(a.headers[DLQ_HEADERS.error]).not.toContain('truncated');
      expect(b.value).toEqual(notCe.value);
      expect(b.headers).toMatchObject({ [DLQ_HEADERS.reason]: 'not-cloudevent', 'x-legacy': 'yes' });
      expect(Number(b.headers[DLQ_HEADERS.sourceOffset])).toBeGreaterThan(Number(a.headers[DLQ_HEADERS.sourceOffset]));
      expect(Date.parse(a.headers[DLQ_HEADERS.failedAt])).not.toBeNaN();
      // Stamped with the time it failed (DLQ retention counts from it), the event's own time in a header.
      expect(a.timestamp).toBe(String(Date.parse(a.headers[DLQ_HEADERS.failedAt])));
      expect(a.headers[DLQ_HEADERS.sourceTimestamp]).toBe(String(Date.parse(checkinEvent(patient, 1).time)));
      expect(server.stats().deadLettered).toBe(2);
    } finally {
      await app.close();
    }
  });

  it('a PoisonMessageError thrown through Nest, or deadLetters returned by a BATCH handler, go to the DLQ', async () => {
    const probe = new Probe();
    const patient = `patient-poison-${randomBytes(2).toString('hex')}`;
    probe.patient = async (e) => {
      if (n(e) === 1) throw new PoisonMessageError('dry weight missing', 'invalid-profile');
    };
    probe.alerts = async (events): Promise<BatchHandlerResult> => ({
      deadLetters: events.filter((e) => n(e) === 7).map((e) => ({ offset: e.offset, reason: 'unknown-alert', error: 'no rule 7' })),
    });
    const { app } = await startApp(probe);
    try {
      await publisher.publishMany(
        TOPICS.patients,
        [0, 1, 2].map((i) => checkinEvent(patient, i)),
      );
      await publisher.publishMany(
        TOPICS.alerts,
        [6, 7, 8].map((i) => checkinEvent(patient, i)),
      );
      const [p] = await consumeAll(kafka, `${prefix}${TOPICS.patients}.dlq`, { expected: 1 });
      expect(p.headers).toMatchObject({ [DLQ_HEADERS.reason]: 'invalid-profile', [DLQ_HEADERS.error]: 'PoisonMessageError: dry weight missing' });
      expect((p.event?.data as { n: number }).n).toBe(1);
      const al = await consumeAll(kafka, `${prefix}${TOPICS.alerts}.dlq`, { expected: 1 });
      expect(al[0].headers[DLQ_HEADERS.reason]).toBe('unknown-alert');
      expect((al[0].event?.data as { n: number }).n).toBe(7);
    } finally {
      await app.close();
    }
  });

  it('retries a transient failure without committing past it, then handles everything and commits', async () => {
    const probe = new Probe();
    const patient = 'patient-flaky';
    const attempts = new Map<number, number>();
    const handled: number[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    let blockedAt: ConsumedEvent | null = null;
    probe.checkin = async (e) => {
      if (e.key !== patient) return;
      const k = n(e);
      const a = (attempts.get(k) ?? 0) + 1;
      attempts.set(k, a);
      if (k === 1 && a <= 2) throw new Error('cassandra write timeout');
      if (k === 1) {
        blockedAt = e;
        await gate; // third attempt succeeds, once the test has looked at the committed offsets
      }
      handled.push(k);
    };
    const { app, server, groupId } = await startApp(probe);
    try {
      await publisher.publishMany(
        TOPICS.checkins,
        [0, 1, 2, 3].map((i) => checkinEvent(patient, i)),
      );
      const e = await waitFor(() => blockedAt, 15_000, { what: 'third attempt' });
      expect(attempts.get(1)).toBe(3);
      expect(server.stats().failed).toBeGreaterThanOrEqual(2);
      const before = await committed(groupId, TOPICS.checkins);
      const c = before.get(e.partition);
      expect(c === '-1' || BigInt(c!) <= BigInt(e.offset)).toBe(true); // never past the failing message
      release();
      await waitFor(() => handled.length >= 4, 10_000, { what: 'all handled' });
      expect(handled).toEqual([0, 1, 2, 3]); // in order, nothing skipped
      await waitFor(async () => (await committed(groupId, TOPICS.checkins)).get(e.partition) === (BigInt(e.offset) + 3n).toString(), 10_000, {
        what: 'commit after success',
      });
    } finally {
      release();
      await app.close();
    }
  });

  it('close() drains: the in-flight handler finishes and its offset is committed before the app stops', async () => {
    const probe = new Probe();
    const patient = 'patient-drain';
    let started = false;
    let finished = false;
    let handledAfterClose = 0;
    let closing = false;
    probe.checkin = async (e) => {
      if (e.key !== patient) return;
      if (closing) handledAfterClose++;
      if (n(e) === 0) {
        started = true;
        await new Promise((r) => setTimeout(r, 400));
        finished = true;
      }
    };
    const { app, groupId } = await startApp(probe);
    await publisher.publishMany(
      TOPICS.checkins,
      [0, 1, 2].map((i) => checkinEvent(patient, i)),
    );
    await waitFor(() => started, 15_000, { what: 'slow handler started' });
    closing = true;
    await app.close();
    expect(finished).toBe(true);
    expect(handledAfterClose).toBe(0); // nothing new started once draining began
    const recs = await consumeAll(kafka, `${prefix}${TOPICS.checkins}`, {});
    const first = recs.find((r) => r.key === patient && (r.event?.data as { n: number }).n === 0)!;
    const c = await committed(groupId, TOPICS.checkins);
    expect(c.get(first.partition)).toBe((BigInt(first.offset) + 1n).toString());
  });
});
