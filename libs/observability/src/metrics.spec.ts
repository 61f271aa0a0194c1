import { Counter } from 'prom-client';
import { assertSafeLabelNames, createMetrics, unsafeLabelReason, UnsafeMetricLabelError } from './metrics';

describe('metric label guard', () => {
  it.each([
    'patient',
    'patientId',
    'patient_id',
    'PatientID',
    'subject',
    'subjectId',
    'tenant',
    'tenantId',
    'tenant_id',
    'org',
    'orgId',
    'team',
    'care_team',
    'user',
    'userId',
    'user_id',
    'name',
    'patient_name',
    'email',
    'phone',
    'id',
    'ids',
    'checkInId',
    'check_in_id',
    'alertId',
    'event_id',
    'request_id',
    'requestId',
    'traceId',
    'key',
    'notes',
    'note',
    'vitals',
    'symptom',
    'answers',
    'value',
    'score',
    'token',
    'url',
    'path',
    'query',
    'body',
    'mood',
  ])('refuses %s', (label) => {
    expect(unsafeLabelReason(label)).toBeDefined();
    expect(() => assertSafeLabelNames('m', [label])).toThrow(UnsafeMetricLabelError);
  });

  it.each([
    'method',
    'route',
    'status',
    'topic',
    'partition',
    'group',
    'operation',
    'table',
    'outcome',
    'command',
    'rule',
    'severity',
    'level',
    'reason',
    'model_version',
  ])('accepts %s', (label) => {
    expect(unsafeLabelReason(label)).toBeUndefined();
  });

  it('refuses unsafe labels in the service-specific factories', () => {
    const metrics = createMetrics({ defaultMetrics: false });
    expect(() => metrics.counter('vigil_checkins_total', 'x', ['patientId'])).toThrow(/patientId/);
    expect(() => metrics.gauge('vigil_g', 'x', ['tenant'])).toThrow(UnsafeMetricLabelError);
    expect(() => metrics.histogram('vigil_h', 'x', ['subject'])).toThrow(UnsafeMetricLabelError);
    expect(() => metrics.counter('vigil_ok_total', 'x', ['rule'])).not.toThrow();
    expect(() => metrics.counter('ok_total', 'x', [])).toThrow(/start with vigil_/);
  });

  it('refuses to expose a registry where someone registered an unsafe label directly', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    new Counter({ name: 'sneaky_total', help: 'x', labelNames: ['patient_id'], registers: [metrics.registry] });
    await expect(metrics.text()).rejects.toThrow(UnsafeMetricLabelError);
  });
});

/** The value of the series `name{labels}` in Prometheus text, whatever the label order. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.keys(got).length === Object.keys(labels).length && Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe('VigilMetrics', () => {
  it('exposes the shared metrics with their labels in Prometheus text', async () => {
    const metrics = createMetrics({ service: 'risk-scorer' });
    metrics.httpRequestDuration.observe({ method: 'GET', route: '/v1/alerts', status: '200' }, 0.012);
    metrics.messagesProcessed.inc({ topic: 'checkins.v1', group: 'risk-scorer' });
    metrics.messagesFailed.inc({ topic: 'checkins.v1', group: 'risk-scorer' });
    metrics.messagesDeadLettered.inc({ topic: 'checkins.v1', group: 'risk-scorer' });
    metrics.alertsRaised.inc({ rule: 'phq9.item9', severity: 'critical' });
    metrics.sseConnections.inc();
    metrics.setConsumerLag({ topic: 'checkins.v1', partition: 3, group: 'risk-scorer' }, '120', '99');
    await metrics.timeCassandra('insert', 'observations', async () => 1);
    await expect(metrics.timeRedis('XADD', async () => Promise.reject(new Error('down')))).rejects.toThrow('down');

    const text = await metrics.text();
    expect(
      sample(text, 'vigil_http_server_request_duration_seconds_count', { service: 'risk-scorer', method: 'GET', route: '/v1/alerts', status: '200' }),
    ).toBe(1);
    expect(sample(text, 'vigil_messages_processed_total', { service: 'risk-scorer', topic: 'checkins.v1', group: 'risk-scorer' })).toBe(1);
    expect(sample(text, 'vigil_messages_failed_total', { service: 'risk-scorer', topic: 'checkins.v1', group: 'risk-scorer' })).toBe(1);
    expect(sample(text, 'vigil_messages_dead_lettered_total', { service: 'risk-scorer', topic: 'checkins.v1', group: 'risk-scorer' })).toBe(1);
    expect(sample(text, 'vigil_alerts_raised_total', { service: 'risk-scorer', rule: 'phq9.item9', severity: 'critical' })).toBe(1);
    expect(sample(text, 'vigil_sse_connections', { service: 'risk-scorer' })).toBe(1);
    expect(sample(text, 'vigil_kafka_consumer_lag', { service: 'risk-scorer', topic: 'checkins.v1', partition: '3', group: 'risk-scorer' })).toBe(20);
    expect(
      sample(text, 'vigil_cassandra_query_duration_seconds_count', { service: 'risk-scorer', operation: 'insert', table: 'observations', outcome: 'ok' }),
    ).toBe(1);
    expect(sample(text, 'vigil_redis_command_duration_seconds_count', { service: 'risk-scorer', command: 'xadd', outcome: 'error' })).toBe(1);
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(metrics.contentType).toContain('text/plain');
  });

  it('never reports a negative lag', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.setConsumerLag({ topic: 't', partition: 0, group: 'g' }, '10', '10');
    expect(sample(await metrics.text(), 'vigil_kafka_consumer_lag', { topic: 't', partition: '0', group: 'g' })).toBe(0);
  });

  it('reads tracked consumers at every scrape and drops partitions they no longer report', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    let partitions = [
      { topic: 'checkins.v1', partition: 0, lag: 5 },
      { topic: 'checkins.v1', partition: 1, lag: null },
    ];
    const untrack = metrics.trackConsumerLag(() => ({ groupId: 'timeseries-writer', partitions }));
    let text = await metrics.text();
    expect(sample(text, 'vigil_kafka_consumer_lag', { topic: 'checkins.v1', partition: '0', group: 'timeseries-writer' })).toBe(5);
    expect(sample(text, 'vigil_kafka_consumer_lag', { topic: 'checkins.v1', partition: '1', group: 'timeseries-writer' })).toBeUndefined(); // unknown, not 0

    partitions = [{ topic: 'checkins.v1', partition: 1, lag: 7 }]; // partition 0 revoked
    text = await metrics.text();
    expect(sample(text, 'vigil_kafka_consumer_lag', { topic: 'checkins.v1', partition: '0', group: 'timeseries-writer' })).toBeUndefined();
    expect(sample(text, 'vigil_kafka_consumer_lag', { topic: 'checkins.v1', partition: '1', group: 'timeseries-writer' })).toBe(7);

    untrack();
    expect(sample(await metrics.text(), 'vigil_kafka_consumer_lag', { topic: 'checkins.v1', partition: '1', group: 'timeseries-writer' })).toBeUndefined();
  });
});
