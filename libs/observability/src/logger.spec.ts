import { trace } from '@opentelemetry/api';
import { createLogger, kafkaLogSink, NestPinoLogger, PHI_LOG_KEYS, REDACT_PATHS, scrubLogValue } from './logger';
import { runWithRequestId } from './request-context';
import { shutdownTracing, startTracing } from './tracing';

function capture() {
  const lines: string[] = [];
  const destination = { write: (s: string) => void lines.push(s) };
  return { lines, destination, records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

// Distinctive strings: none of them may appear anywhere in the output.
const SECRETS = {
  note: 'NOTE-c0ffee-feels-dizzy',
  value: 'VALUE-77.7-kg',
  token: 'TOKEN-eyJhbGciOi-secret',
  name: 'NAME-Jane-Doe',
  email: 'jane.doe@example.invalid',
  answer: 'ANSWER-item9-3',
  password: 'PASSWORD-hunter2',
  cookie: 'COOKIE-session=abc',
  query: 'QUERY-metric=weightKg',
};
const ALL_SECRETS = Object.values(SECRETS);

function checkIn() {
  return {
    checkInId: '8a6f0b8e-0000-4000-8000-000000000001',
    vitals: { weightKg: SECRETS.value, spo2: SECRETS.value },
    symptoms: { breathlessness: SECRETS.value },
    questionnaires: [{ instrument: 'PHQ-9', answers: [SECRETS.answer] }],
    notes: SECRETS.note,
  };
}

describe('createLogger', () => {
  afterEach(async () => {
    await shutdownTracing();
  });

  it('writes one JSON line per event with level, time, service and msg', () => {
    const out = capture();
    const logger = createLogger({ service: 'ingest-api', destination: out.destination });
    logger.info({ count: 3 }, 'batch accepted');
    expect(out.lines).toHaveLength(1);
    expect(out.lines[0]!.endsWith('\n')).toBe(true);
    const rec = out.records()[0]!;
    expect(rec).toMatchObject({ level: 'info', service: 'ingest-api', count: 3, msg: 'batch accepted' });
    expect(typeof rec['time']).toBe('string');
  });

  it('redacts every PHI path, at any depth, in arrays, errors, child bindings and Nest messages', () => {
    const out = capture();
    const logger = createLogger({ service: 'risk-scorer', level: 'trace', destination: out.destination });

    // top level and nested objects
    logger.info({ patientId: 'p-1', ...checkIn() }, 'top level');
    logger.info({ event: { subject: 'p-1', data: checkIn() } }, 'cloudevent');
    logger.info({ a: { b: { c: { d: { notes: SECRETS.note, value: SECRETS.value } } } } }, 'deep');
    logger.info({ items: [checkIn(), { nested: [checkIn()] }] }, 'arrays');
    // secrets and people
    logger.info(
      {
        req: { headers: { authorization: `Bearer ${SECRETS.token}`, cookie: SECRETS.cookie }, body: checkIn() },
        token: SECRETS.token,
        accessToken: SECRETS.token,
        password: SECRETS.password,
        patient: { name: SECRETS.name, first_name: SECRETS.name, email: SECRETS.email },
        Notes: SECRETS.note,
        'answers-list': [SECRETS.answer],
      },
      'secrets',
    );
    // query strings are cut from url-ish fields; query objects are redacted
    logger.info({ url: `/v1/patients/p-1/observations?${SECRETS.query}`, query: { metric: SECRETS.query } }, 'url');
    // buffers (Kafka values) are never printed
    logger.info({ message: { key: 'p-1', value: Buffer.from(JSON.stringify(checkIn())) } }, 'kafka');
    // errors carrying data
    const err = Object.assign(new Error('handler failed'), { data: checkIn(), notes: SECRETS.note });
    logger.error({ err }, 'failed');
    logger.error(err);
    // child bindings
    logger.child({ notes: SECRETS.note, values: [SECRETS.value] }).info('child');
    // Nest's own logs
    const nest = new NestPinoLogger(logger);
    nest.log({ notes: SECRETS.note, vitals: { spo2: SECRETS.value } }, 'SomeService');
    nest.error(Object.assign(new Error('boom'), { body: checkIn() }), 'SomeService');
    // a circular structure does not break logging
    const circular: Record<string, unknown> = { notes: SECRETS.note };
    circular['self'] = circular;
    logger.info({ circular }, 'circular');

    const text = out.lines.join('');
    for (const secret of ALL_SECRETS) expect(text).not.toContain(secret);
    // ids and counts survive
    expect(text).toContain('8a6f0b8e-0000-4000-8000-000000000001');
    expect(text).toContain('"patientId":"p-1"');
    expect(text).toContain('/v1/patients/p-1/observations');
    expect(text).toContain('[REDACTED]');
    expect(text).toContain('handler failed');
    expect(text).toContain('"type":"Error"');
    expect(out.lines).toHaveLength(13);
  });

  it('covers every key of the policy, whatever its case or separators', () => {
    const out = capture();
    const logger = createLogger({ service: 's', destination: out.destination });
    for (const key of PHI_LOG_KEYS) {
      const snake = key.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
      logger.info({ [key]: `LEAK-${key}`, nested: { [snake]: `LEAK-${key}` }, list: [{ [key.toUpperCase()]: `LEAK-${key}` }] });
    }
    expect(out.lines.join('')).not.toContain('LEAK-');
  });

  it('accepts extra redaction keys without dropping the defaults', () => {
    const out = capture();
    const logger = createLogger({ service: 's', destination: out.destination, extraRedactKeys: ['careTeamNote'] });
    logger.info({ careTeamNote: 'LEAK-extra', notes: 'LEAK-default' });
    expect(out.lines.join('')).not.toContain('LEAK-');
  });

  it('does not mutate what it is given', () => {
    const input = checkIn();
    const copy = JSON.parse(JSON.stringify(input));
    scrubLogValue({ wrapper: input });
    expect(input).toEqual(copy);
  });

  it('configures pino redact paths for the headers and main PHI keys', () => {
    expect(REDACT_PATHS).toEqual(expect.arrayContaining(['req.headers.authorization', 'req.headers.cookie', 'notes', 'value', 'body', 'data']));
  });

  it('adds trace_id and span_id inside an active span, and request_id inside a request', () => {
    startTracing({ serviceName: 'logger-spec', exporter: 'memory' });
    const out = capture();
    const logger = createLogger({ service: 's', destination: out.destination });
    logger.info('outside');
    let ids: { traceId: string; spanId: string } | undefined;
    trace.getTracer('spec').startActiveSpan('work', (span) => {
      ids = span.spanContext();
      runWithRequestId('req-12345678', () => logger.info('inside'));
      span.end();
    });
    const [outside, inside] = out.records();
    expect(outside!['trace_id']).toBeUndefined();
    expect(outside!['request_id']).toBeUndefined();
    expect(inside).toMatchObject({ trace_id: ids!.traceId, span_id: ids!.spanId, request_id: 'req-12345678' });
    expect(inside!['trace_id']).toMatch(/^[0-9a-f]{32}$/);
  });

  it('maps Nest levels and contexts, and kafkajs records', () => {
    const out = capture();
    const logger = createLogger({ service: 's', level: 'trace', destination: out.destination });
    const nest = new NestPinoLogger(logger);
    nest.log('Mapped {/v1/check-ins, POST} route', 'RouterExplorer');
    nest.error('Unhandled', 'Error: x\n    at y', 'ExceptionsHandler');
    nest.verbose('v');
    kafkaLogSink(logger)({ level: 'warn', time: 't', logger: 'kafkajs.Consumer', msg: 'rebalancing', groupId: 'g' });
    const recs = out.records();
    expect(recs[0]).toMatchObject({ level: 'info', context: 'RouterExplorer', msg: 'Mapped {/v1/check-ins, POST} route' });
    expect(recs[1]).toMatchObject({ level: 'error', context: 'ExceptionsHandler', stack: 'Error: x\n    at y', msg: 'Unhandled' });
    expect(recs[2]).toMatchObject({ level: 'trace', msg: 'v' });
    expect(recs[3]).toMatchObject({ level: 'warn', logger: 'kafkajs.Consumer', groupId: 'g', msg: 'rebalancing' });
  });
});
