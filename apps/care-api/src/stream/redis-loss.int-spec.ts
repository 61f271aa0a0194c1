/**
 * A resume across a Redis data loss, the way it happens: care-api on a PRIVATE Redis (started here,
 * on its own port, so it can be flushed and restarted), the shared Kafka and Cassandra. The client's
 * cursor is from before the loss; new alerts arrive after it; the resume must still deliver every
 * alert stored since the cursor (the older ones from Cassandra), once, in order.
 */
import Redis from 'ioredis';
import { allTopicSpecs, type AlertStreamData, dlqTopic, TOPICS, type VigilEvent, type AlertRaisedData } from '@vigil/contracts';
import { openSse, type SseClientConnection, type SseEvent } from '@vigil/http';
import { EventPublisher } from '@vigil/messaging';
import {
  createTestKeyspace,
  createTestTopics,
  deleteTestTopics,
  startPrivateServer,
  testKafka,
  type PrivateServer,
  type TestKeyspace,
  uniquePrefix,
  uniqueRedisPrefix,
  waitFor,
} from '@vigil/testing';
import { call, raisedEvent, registerTeams, startCare, type TestCare, token } from '../testing/support';

jest.setTimeout(120_000);

const ORG = 'org-1';
const alertsOf = (events: SseEvent[]) => events.filter((e) => e.event === 'alert').map((e) => JSON.parse(e.data) as AlertStreamData & { cursor: string });

describe('care-api alert stream after Redis lost its data (private Redis)', () => {
  let redisServer: PrivateServer;
  let ks: TestKeyspace;
  let prefix: string;
  let groupId: string;
  let care: TestCare;
  let publisher: EventPublisher;
  let nurse: string;
  const kafka = testKafka('care-redis-loss-test');
  const open: SseClientConnection[] = [];

  const sse = async (lastEventId?: string): Promise<SseClientConnection> => {
    const c = await openSse(`${care.url}/v1/alerts/stream`, { headers: { authorization: `Bearer ${nurse}` }, lastEventId });
    open.push(c);
    return c;
  };
  const ready = (c: SseClientConnection) => c.waitFor((es) => es.some((e) => e.event === 'ready'), 20_000, 'ready');
  const raiseStored = async (events: VigilEvent<AlertRaisedData>[]) => {
    for (const e of events) await publisher.publish(TOPICS.alerts, e);
    // Stored = its event id -> cursor row written (the consumer's last step).
    await waitFor(
      async () =>
        (
          await Promise.all(
            events.map((e) =>
              ks.client.execute(`SELECT cursor FROM "${ks.keyspace}".alert_stream_event_ids WHERE tenant_id = ? AND event_id = ?`, [ORG, e.id], {
                prepare: true,
              }),
            ),
          )
        ).every((r) => r.rowLength === 1),
      30_000,
      { what: 'alerts stored' },
    );
  };
  const flushRedis = async () => {
    const r = new Redis(redisServer.env['REDIS_URL']!, { maxRetriesPerRequest: 1 });
    try {
      await r.flushall();
    } finally {
      r.disconnect();
    }
  };
  beforeAll(async () => {
    prefix = uniquePrefix('care-redis-loss');
    groupId = `care-api-${prefix}`;
    const mine = new Set<string>([TOPICS.alerts, dlqTopic(TOPICS.alerts), TOPICS.patients, TOPICS.audit]);
    [redisServer, ks] = await Promise.all([
      startPrivateServer('redis'),
      createTestKeyspace('care_redis_loss'),
      createTestTopics(
        kafka,
        prefix,
        allTopicSpecs().filter((s) => mine.has(s.name)),
      ),
    ]);
    care = await startCare({
      ...redisServer.env,
      TOPIC_PREFIX: prefix,
      CASSANDRA_KEYSPACE: ks.keyspace,
      REDIS_KEY_PREFIX: uniqueRedisPrefix('care-redis-loss'),
      KAFKA_GROUP_ID: groupId,
      LOG_LEVEL: 'warn',
    });
    publisher = new EventPublisher(kafka, { topicPrefix: prefix });
    await publisher.connect();
    nurse = await token('nurse-a', 'care-manager', ORG, ['team-a']);
    const admin = await token('admin-1', 'care-admin', ORG, ['team-a']);
    await registerTeams(care.url, admin, ['team-a']);
    const res = await call(care.url, 'PUT', '/v1/patients/p-1', { token: admin, body: { careTeamId: 'team-a', conditions: ['copd'], news2SpO2Scale: 1 } });
    expect(res.status).toBe(201);
  });

  afterAll(async () => {
    for (const c of open) c.close();
    await publisher?.disconnect();
    await care?.close();
    await Promise.all([deleteTestTopics(kafka, prefix, [groupId]).catch(() => undefined), ks?.drop(), redisServer?.remove()]);
  });

  const alert = () => raisedEvent({ tenantId: ORG, careTeamId: 'team-a', patientId: 'p-1' });

  it.each([
    ['FLUSHALL', flushRedis],
    [
      'a restart without persistence',
      async () => {
        await redisServer.kill();
        await redisServer.up();
      },
    ],
  ])('after %s, a resume from a cursor older than the loss gets every alert since, once, in order, then the live feed', async (_name, lose) => {
    const first = await sse();
    await ready(first);
    const seen = alert();
    await raiseStored([seen]);
    await first.waitFor((es) => alertsOf(es).some((x) => x.alertId === seen.id), 20_000, 'the first alert');
    const cursor = first.lastEventId;
    first.close();
    const beforeLoss = [alert(), alert(), alert()];
    await raiseStored(beforeLoss);

    await lose();
    const afterLoss = [alert(), alert()];
    await raiseStored(afterLoss);

    const again = await sse(cursor);
    await ready(again);
    const expected = [...beforeLoss, ...afterLoss].map((e) => e.id);
    expect(alertsOf(again.events).map((x) => x.alertId)).toEqual(expected);
    expect(JSON.parse(again.events.find((e) => e.event === 'ready')!.data)).toMatchObject({ resumed: expected.length, source: 'cassandra' });

    const live = alert();
    await publisher.publish(TOPICS.alerts, live);
    await again.waitFor((es) => alertsOf(es).some((x) => x.alertId === live.id), 20_000, 'the live alert');
    expect(alertsOf(again.events).map((x) => x.alertId)).toEqual([...expected, live.id]);
    const cursors = alertsOf(again.events).map((x) => x.cursor);
    expect(new Set(cursors).size).toBe(cursors.length);
    again.close();
  });

  it('keeps answering REST requests while Redis is down: the request rate limit counts in memory meanwhile', async () => {
    await redisServer.kill();
    try {
      const r = await call(care.url, 'GET', '/v1/patients/p-1', { token: nurse });
      expect(r.status).toBe(200);
      expect(r.headers.get('x-ratelimit-limit')).toBe('600');
      expect(Number(r.headers.get('x-ratelimit-remaining'))).toBeLessThan(600);
    } finally {
      await redisServer.up();
    }
  });
});
