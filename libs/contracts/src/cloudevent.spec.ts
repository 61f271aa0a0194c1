import { CloudEvent, Kafka } from 'cloudevents';
import { createEvent, EVENT_TYPES, EventDecodeError, fromKafkaRecord, toKafkaRecord } from './index';

const event = createEvent({
  id: '7d9f4b1e-2c3a-4f5e-8a6b-1c2d3e4f5a6b',
  source: 'vigil/ingest-api',
  type: EVENT_TYPES.checkinReceived,
  subject: 'patient-42',
  time: '2026-03-10T08:00:00.000Z',
  tenantid: 'org-1',
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  data: { checkInId: '7d9f4b1e-2c3a-4f5e-8a6b-1c2d3e4f5a6b', recordedAt: '2026-03-10T08:00:00Z', mood: 3 },
});

/** What a consumer sees: kafkajs hands headers over as Buffers. */
function asConsumed(r: ReturnType<typeof toKafkaRecord>) {
  const headers: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(r.headers)) headers[k] = Buffer.from(v);
  return { key: Buffer.from(r.key), value: r.value, headers };
}

describe('CloudEvents Kafka binding', () => {
  it('writes binary mode keyed by patient', () => {
    const r = toKafkaRecord(event);
    expect(r.key).toBe('patient-42');
    expect(r.headers['ce_specversion']).toBe('1.0');
    expect(r.headers['ce_type']).toBe('org.vigil.checkin.received');
    expect(r.headers['ce_tenantid']).toBe('org-1');
    expect(r.headers['ce_dataschemaversion']).toBe('1.0');
    expect(r.headers['content-type']).toBe('application/json');
    expect(JSON.parse(r.value.toString())).toEqual(event.data);
  });

  it('the official cloudevents SDK reads what we write', () => {
    const r = toKafkaRecord(event);
    const msg = { key: r.key, value: r.value.toString(), headers: r.headers, body: r.value.toString(), timestamp: r.timestamp };
    expect(Kafka.isEvent(msg)).toBe(true);
    const ce = Kafka.toEvent(msg) as CloudEvent<typeof event.data>;
    ce.validate();
    expect(ce.id).toBe(event.id);
    expect(ce.type).toBe(event.type);
    expect(ce.source).toBe(event.source);
    expect(ce.subject).toBe('patient-42');
    expect(new Date(ce.time!).toISOString()).toBe(event.time);
    expect(ce['tenantid']).toBe('org-1');
    expect(ce['traceparent']).toBe(event.traceparent);
    expect(ce.data).toEqual(event.data);
  });

  it('round-trips through our decoder', () => {
    expect(fromKafkaRecord(asConsumed(toKafkaRecord(event)))).toEqual(event);
  });

  it('reads structured mode written by the SDK', () => {
    const ce = new CloudEvent({ ...event, partitionkey: 'patient-42' });
    const msg = Kafka.structured(ce) as unknown as { key: string; value: string; headers: Record<string, string> };
    const decoded = fromKafkaRecord({ key: msg.key, value: msg.value, headers: msg.headers });
    expect(decoded.id).toBe(event.id);
    expect(decoded.tenantid).toBe('org-1');
    expect(decoded.data).toEqual(event.data);
  });

  it.each([
    ['not JSON', { key: 'p', value: Buffer.from('{oops'), headers: { ce_id: '1', ce_specversion: '1.0' } }, 'not-json'],
    ['no CloudEvents headers', { key: 'p', value: Buffer.from('{}'), headers: {} }, 'not-cloudevent'],
    ['missing attributes', { key: 'p', value: Buffer.from('{}'), headers: { ce_id: '1', ce_specversion: '1.0' } }, 'missing-attribute'],
    ['wrong spec version', { key: 'p', value: Buffer.from('{}'), headers: { ce_id: '1', ce_specversion: '0.3' } }, 'not-cloudevent'],
    [
      'XML content',
      { key: 'p', value: Buffer.from('<a/>'), headers: { ce_id: '1', ce_specversion: '1.0', 'content-type': 'application/xml' } },
      'unsupported-content-type',
    ],
  ])('rejects %s with a dead-letter reason', (_name, record, reason) => {
    try {
      fromKafkaRecord(record);
      throw new Error('expected a decode error');
    } catch (e) {
      expect(e).toBeInstanceOf(EventDecodeError);
      expect((e as EventDecodeError).reason).toBe(reason);
    }
  });
});
