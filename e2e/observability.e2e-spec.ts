/**
 * Observability end to end, on ONE stack of the four services as processes, tracing on
 * (OTLP/JSON to an in-test receiver through the standard OTEL_* variables) and logging at debug:
 *
 * 1. One posted check-in gives ONE trace with spans of every service, on both paths:
 *    ingest-api -> timeseries-writer -> Cassandra, and ingest-api -> risk-scorer -> (alerts.v1) ->
 *    care-api -> SSE push; every span of the trace reaches the ingest-api request span through its
 *    parents (no broken link anywhere).
 * 2. The check-in's note and measured values (distinctive text and numbers) appear in no log line of
 *    any service and in no span attribute, although they went all the way through (the SSE alert).
 */
import { openSse, type SseClientConnection, type SseEvent } from '@vigil/http';
import { type ReceivedSpan, startOtlpJsonReceiver, type OtlpJsonReceiver } from '@vigil/observability';
import { startVigilStack, type VigilStack } from './support/vigil-stack';

jest.setTimeout(240_000);

const SPAN_KIND = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 } as const;
const PATIENT = 'p-obs-1';
const TEAM = 'team-obs';
/** Distinctive on purpose: none of these can turn up in a log line by chance. */
const NOTE = 'NOTE-zq81 grandson visited, felt xylophonic-wobbly after the quagga stew';
const VITALS = { weightKg: 187.654, systolicBp: 163.27, diastolicBp: 91.83, heartRate: 117.39, spo2: 93.61, temperatureC: 38.47, glucoseMgDl: 432.71 };

/** A number as a whole token: `187.654` but not inside `1187.6541` or a longer decimal. */
function numberPattern(n: number): RegExp {
  return new RegExp(`(?<![\\d.])${String(n).replace('.', '\\.')}(?![\\d])`);
}
const PHI_PATTERNS: [string, RegExp][] = [
  ['note', /NOTE-zq81|xylophonic|quagga/i],
  ...Object.entries(VITALS).map(([k, v]): [string, RegExp] => [k, numberPattern(v)]),
];

function phiFound(text: string): string[] {
  return PHI_PATTERNS.filter(([, re]) => re.test(text)).map(([what]) => what);
}

interface AlertOnStream {
  type: string;
  patientId: string;
  alert?: { checkInId?: string; ruleCode: string };
}
const alertsOf = (es: SseEvent[]) => es.filter((e) => e.event === 'alert').map((e) => JSON.parse(e.data) as AlertOnStream);

/** The span's ancestors, nearest first, as far as the received spans go. */
function ancestors(span: ReceivedSpan, byId: Map<string, ReceivedSpan>): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (let p = span.parentSpanId ? byId.get(span.parentSpanId) : undefined; p && out.length < 100; p = p.parentSpanId ? byId.get(p.parentSpanId) : undefined)
    out.push(p);
  return out;
}

describe('observability across all services: one trace per check-in, no PHI in logs or spans', () => {
  let receiver: OtlpJsonReceiver;
  let stack: VigilStack;
  let sse: SseClientConnection | undefined;
  let checkInId: string;

  beforeAll(async () => {
    receiver = await startOtlpJsonReceiver();
    stack = await startVigilStack('obs', {
      // receiver.env: OTEL_SDK_DISABLED=false, OTEL_EXPORTER_OTLP_ENDPOINT, ..._PROTOCOL=http/json,
      // OTEL_BSP_SCHEDULE_DELAY=100. debug: every line a service can write about a check-in is written.
      envAll: { ...receiver.env, LOG_LEVEL: 'debug' },
      outputLimitChars: 20_000_000,
    });
    await stack.enrol(PATIENT, { careTeamId: TEAM, conditions: ['heart-failure'] });
    const nurse = await stack.token('care-manager', 'nurse-obs', [TEAM]);
    sse = await openSse(`${stack.care.url}/v1/alerts/stream`, { headers: { authorization: `Bearer ${nurse}` } });
    expect(sse.status).toBe(200);
    await sse.waitFor((es) => es.some((e) => e.event === 'ready'), 20_000, 'ready');

    checkInId = await stack.checkIn(PATIENT, {
      recordedAt: new Date(Date.now() - 60_000).toISOString(),
      vitals: VITALS,
      symptoms: { chestPain: true },
      notes: NOTE,
    });
    await sse.waitFor((es) => alertsOf(es).some((a) => a.alert?.checkInId === checkInId), 60_000, 'the alert on SSE');
  }, 240_000);

  afterAll(async () => {
    sse?.close();
    await stack?.close();
    await receiver?.close();
  }, 60_000);

  it('gives one trace with spans of every service on both paths, each reaching the request span', async () => {
    const prefix = stack.topicPrefix;
    // The check-in's trace: the one whose ingest-api request span is POST /v1/check-ins.
    const find = (spans: ReceivedSpan[]) => {
      const request = spans.find((s) => s.serviceName === 'ingest-api' && s.kind === SPAN_KIND.server && s.name === 'POST /v1/check-ins');
      if (!request) return undefined;
      const trace = spans.filter((s) => s.traceId === request.traceId);
      const of = (service: string, kind: number, name: string, group?: string) =>
        trace.find(
          (s) => s.serviceName === service && s.kind === kind && s.name === name && (!group || s.attributes['messaging.consumer.group.name'] === group),
        );
      const parts = {
        request,
        checkinSend: of('ingest-api', SPAN_KIND.producer, `send ${prefix}checkins.v1`),
        // Our `process <topic>` spans (libs/observability, messaging-spans), named like the kafkajs
        // instrumentation's but in the producer's trace: the broker's topic name, prefix included.
        writer: of('timeseries-writer', SPAN_KIND.consumer, `process ${prefix}checkins.v1`),
        // instrumentation-cassandra-driver: `cassandra-driver.execute` / `.batch`, CLIENT.
        cassandra: trace.find((s) => s.serviceName === 'timeseries-writer' && s.kind === SPAN_KIND.client && s.name.startsWith('cassandra-driver.')),
        scorer: of('risk-scorer', SPAN_KIND.consumer, `process ${prefix}checkins.v1`),
        alertSend: of('risk-scorer', SPAN_KIND.producer, `send ${prefix}alerts.v1`),
        // care-api consumes alerts.v1 in two groups (the alert ingestor's and the worklist's): the group tells them apart.
        care: of('care-api', SPAN_KIND.consumer, `process ${prefix}alerts.v1`, stack.care.env['KAFKA_GROUP_ID']),
        push: of('care-api', SPAN_KIND.internal, 'sse.push'),
      };
      if (Object.values(parts).some((p) => p === undefined)) return undefined;
      // Spans end (and are exported) in any order: wait until every parent has arrived too.
      const ids = new Set(trace.map((s) => s.spanId));
      if (trace.some((s) => s !== request && !ids.has(s.parentSpanId ?? ''))) return undefined;
      return { trace, parts: parts as { [K in keyof typeof parts]: ReceivedSpan } };
    };
    let found: ReturnType<typeof find>;
    try {
      await receiver.waitFor((spans) => (found = find(spans)) !== undefined, 60_000);
    } catch (e) {
      const summary = receiver
        .spans()
        .map((s) => `${s.traceId.slice(0, 8)} ${s.serviceName} k${s.kind} ${s.name} parent=${s.parentSpanId ?? '-'} id=${s.spanId}`)
        .join('\n');
      throw new Error(`${(e as Error).message}\nspans received:\n${summary}`);
    }
    const { trace, parts } = found!;
    const byId = new Map(trace.map((s) => [s.spanId, s]));
    const chain = (s: ReceivedSpan) => ancestors(s, byId);

    // One trace, every service in it, one root: the request span (the client sent no traceparent).
    expect(new Set(trace.map((s) => s.serviceName))).toEqual(new Set(['ingest-api', 'timeseries-writer', 'risk-scorer', 'care-api']));
    expect(parts.request.parentSpanId).toBeUndefined();
    for (const s of trace) if (s !== parts.request) expect(chain(s)).toContain(parts.request);

    // Path 1: ingest-api -> (checkins.v1) -> writer -> Cassandra. The check-in event's traceparent
    // names an ingest-api span (the Nest handler's): the check-in's producer span and both consumers'
    // spans are its children (the producer span through tracing.ts's kafkajs hook, which parents each
    // send span on its own message's traceparent).
    const checkInParent = byId.get(parts.writer.parentSpanId!)!;
    expect(checkInParent.serviceName).toBe('ingest-api');
    expect(parts.checkinSend.parentSpanId).toBe(checkInParent.spanId);
    expect(chain(parts.cassandra)).toContain(parts.writer);
    for (const s of trace.filter((x) => x.serviceName === 'timeseries-writer' && x !== parts.writer)) expect(chain(s)).toContain(parts.writer);
    // Path 2: ingest-api -> (checkins.v1) -> scorer -> (alerts.v1) -> care-api -> SSE push. The alert
    // event's traceparent names the scorer's `risk.score` span of this check-in.
    expect(parts.scorer.parentSpanId).toBe(checkInParent.spanId);
    const alertParent = byId.get(parts.care.parentSpanId!)!;
    expect(alertParent).toMatchObject({ serviceName: 'risk-scorer', name: 'risk.score' });
    expect(chain(alertParent)).toContain(parts.scorer);
    expect(parts.alertSend.parentSpanId).toBe(alertParent.spanId);
    // The push continues the trace of the span that stored the alert (its traceparent rode in Redis).
    expect(parts.push.parentSpanId).toBe(parts.care.spanId);
    expect(parts.push.attributes['vigil.sse.clients']).toBe(1);

    // The consumer spans carry the messaging conventions' attributes, each with its service's group.
    for (const [span, topic, group] of [
      [parts.writer, 'checkins.v1', stack.writer.env['WRITER_GROUP_ID']],
      [parts.scorer, 'checkins.v1', stack.scorer.env['KAFKA_GROUP_ID']],
      [parts.care, 'alerts.v1', stack.care.env['KAFKA_GROUP_ID']],
    ] as const) {
      expect(group).toEqual(expect.any(String));
      expect(span.attributes).toMatchObject({
        'messaging.system': 'kafka',
        'messaging.operation.type': 'process',
        'messaging.destination.name': `${prefix}${topic}`,
        'messaging.consumer.group.name': group,
      });
    }
    expect(parts.writer.attributes['messaging.batch.message_count']).toBeGreaterThanOrEqual(1);
    expect(parts.care.attributes['messaging.kafka.offset']).toEqual(expect.any(String));

    // Logs carry the trace: the access log of the request and care-api's line about the stored alert.
    const linesWithTrace = (out: string) => out.split('\n').filter((l) => l.includes(`"trace_id":"${parts.request.traceId}"`));
    expect(linesWithTrace(stack.ingest.keptOutput).length).toBeGreaterThan(0);
    expect(linesWithTrace(stack.care.keptOutput).some((l) => l.includes('alert event stored'))).toBe(true);
  });

  it('writes the note and the measured values into no log line of any service and no span attribute', async () => {
    // Sanity: the values really went through the pipeline (the alert was raised on this very check-in).
    expect(alertsOf(sse!.events).some((a) => a.alert?.checkInId === checkInId)).toBe(true);
    // The patterns do find the values as a serialised payload writes them, and not digits elsewhere.
    expect(phiFound(JSON.stringify({ notes: NOTE, vitals: VITALS }))).toEqual(PHI_PATTERNS.map(([what]) => what));
    expect(phiFound('2026-11-26T15:47:18.765Z 1187.6541 pid 187654 port 43271')).toEqual([]);

    const leaks: string[] = [];
    for (const service of [stack.ingest, stack.scorer, stack.writer, stack.care]) {
      expect(service.outputTruncated).toBe(false);
      const lines = service.keptOutput.split('\n').filter((l) => l.trim() !== '');
      // The services really ran at debug (every line they can write was written). Lines about this
      // check-in itself (its trace id) are asserted in the trace test for ingest-api and care-api.
      expect(lines.some((l) => l.includes('"level":"debug"'))).toBe(true);
      for (const line of lines) {
        const found = phiFound(line);
        if (found.length) leaks.push(`${service.name} [${found.join(',')}]: ${line.slice(0, 400)}`);
      }
    }
    for (const span of receiver.spans()) {
      const found = phiFound(JSON.stringify({ name: span.name, attributes: span.attributes }));
      if (found.length) leaks.push(`span ${span.serviceName} ${span.name} [${found.join(',')}]`);
    }
    expect(leaks).toEqual([]);
  });
});
