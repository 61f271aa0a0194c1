/**
 * The walking skeleton, end to end through the real servers: a check-in POSTed over HTTP to
 * ingest-api (a process) is produced to checkins.v1, consumed by timeseries-writer (a process) and
 * its observations land in Cassandra, in a keyspace created by the migrations.
 */
import { randomUUID } from 'node:crypto';
import { DEV_HS256_SECRET, mintToken } from '@vigil/auth';
import { ObservationRepository } from '@vigil/storage';
import { createTestKeyspace, createTestTopics, deleteTestTopics, testKafka, testKafkaBrokers, TestKeyspace, uniquePrefix, waitFor } from '@vigil/testing';
import { ServiceProcess } from './support/service-process';

jest.setTimeout(180_000);

describe('walking skeleton: POST /v1/check-ins -> Kafka -> writer -> Cassandra', () => {
  const prefix = uniquePrefix('skeleton');
  const kafka = testKafka('e2e-skeleton');
  let ks: TestKeyspace;
  let ingest: ServiceProcess;
  let writer: ServiceProcess;

  beforeAll(async () => {
    [ks] = await Promise.all([createTestKeyspace('skeleton'), createTestTopics(kafka, prefix)]);
    const common = {
      TOPIC_PREFIX: prefix,
      KAFKA_BROKERS: testKafkaBrokers().join(','),
      CASSANDRA_CONTACT_POINTS: process.env['CASSANDRA_CONTACT_POINTS'] ?? '127.0.0.1:9042',
      LOG_LEVEL: 'warn',
    };
    ingest = new ServiceProcess('ingest-api', 'apps/ingest-api/src/main.ts', {
      ...common,
      PORT: '3190',
      AUTH_HS256_SECRET: DEV_HS256_SECRET,
      AUTH_DEV_MODE: 'true',
    });
    writer = new ServiceProcess('timeseries-writer', 'apps/timeseries-writer/src/main.ts', {
      ...common,
      PORT: '3192',
      CASSANDRA_KEYSPACE: ks.keyspace,
      WRITER_GROUP_ID: `${prefix}writer`,
    });
    await Promise.all([ingest.start(), writer.start()]);
  });

  afterAll(async () => {
    await Promise.allSettled([ingest?.stop(), writer?.stop()]);
    await Promise.allSettled([ks?.drop(), deleteTestTopics(kafka, prefix, [`${prefix}writer`])]);
  });

  it('stores the observations of a posted check-in, with the patient and tenant from the token', async () => {
    const token = await mintToken({ sub: 'patient-skel-1', role: 'patient', org: 'org-skel' }, { secret: DEV_HS256_SECRET });
    const checkInId = randomUUID();
    const recordedAt = new Date(Date.now() - 60_000).toISOString();
    const res = await fetch(`${ingest.url}/v1/check-ins`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ checkInId, recordedAt, vitals: { weightKg: 82.4, heartRate: 71, spo2: 96 }, notes: 'private words' }),
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ checkInId, status: 'accepted' });

    const repo = new ObservationRepository(ks.client, ks.keyspace);
    const range = { tenantId: 'org-skel', patientId: 'patient-skel-1', from: new Date(Date.now() - 3_600_000), to: new Date(Date.now() + 60_000) };
    const weights = await waitFor(async () => {
      const page = await repo.querySeries({ ...range, metric: 'weightKg' });
      return page.items.length ? page.items : undefined;
    }, 60_000);
    expect(weights).toEqual([{ recordedAt: new Date(recordedAt), checkInId, value: 82.4 }]);
    const spo2 = await repo.querySeries({ ...range, metric: 'spo2' });
    expect(spo2.items.map((p) => p.value)).toEqual([96]);
    // The body cannot choose the patient: nothing was stored under any other id.
    const other = await repo.querySeries({ ...range, patientId: 'someone-else', metric: 'weightKg' });
    expect(other.items).toEqual([]);
  });
});
