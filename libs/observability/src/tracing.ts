/*
 * The OpenTelemetry SDK is loaded with require() inside startTracing() on purpose: importing
 * @vigil/observability must stay cheap and must not load anything that the instrumentations
 * patch (see "Start-up order" in the README). Types come from `import type`, which is erased.
 */
import { trace, TraceFlags } from '@opentelemetry/api';
import type { NodeSDK } from '@opentelemetry/sdk-node';
import type { InMemorySpanExporter, ReadableSpan, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace';
import type { IncomingMessage } from 'node:http';
import { parentProducerSpansOnEventTrace } from './kafka-producer-parent';
import { PhiSafeSpanExporter } from './span-scrubber';

export type TraceExporterKind = 'otlp' | 'console' | 'memory' | 'none';

export interface TracingOptions {
  /** `service.name` of every span (OTEL_SERVICE_NAME, if set, wins). */
  serviceName: string;
  serviceVersion?: string;
  /**
   * Where spans go. Default: from OTEL_TRACES_EXPORTER (`otlp`, `console`, `none`), else `otlp` when
   * OTEL_EXPORTER_OTLP_ENDPOINT / OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set, else `none`.
   * `none` still creates spans (trace ids in logs, traceparent propagation) but exports nothing.
   * `memory` keeps them in this process for tests (`getFinishedSpans()`), and turns tracing on.
   */
  exporter?: TraceExporterKind;
  /** Force tracing on or off. Default: off when OTEL_SDK_DISABLED=true, or under jest / NODE_ENV=test
   * unless OTEL_SDK_DISABLED=false; on otherwise. */
  enabled?: boolean;
  /** Incoming HTTP paths that never get a span (probes and scrapes). Default: /health/*, /metrics. */
  ignoreIncomingPaths?: RegExp;
}

export interface TracingState {
  enabled: boolean;
  exporter: TraceExporterKind | 'disabled';
  serviceName: string;
}

interface Started {
  state: TracingState;
  sdk?: NodeSDK;
  memory?: InMemorySpanExporter;
}

let started: Started | undefined;

/** Modules the instrumentations patch: loading any of them before startTracing() loses its spans. */
const INSTRUMENTED_MODULES = ['@nestjs/core', 'kafkajs', 'ioredis', 'cassandra-driver', 'fastify'];
const DEFAULT_IGNORED_PATHS = /^\/(health\/(live|ready)|metrics)\/?(\?|$)/;

function envFlag(name: string): boolean | undefined {
  const v = process.env[name]?.trim().toLowerCase();
  if (v === 'true') return true;
  if (v === 'false') return false;
  return undefined;
}

/** Whether startTracing() will run the SDK (exported for tests and for a service's start-up log). */
export function tracingEnabled(options: Pick<TracingOptions, 'enabled' | 'exporter'> = {}): boolean {
  if (options.enabled !== undefined) return options.enabled;
  if (options.exporter === 'memory') return true;
  const disabled = envFlag('OTEL_SDK_DISABLED');
  if (disabled !== undefined) return !disabled;
  const underTest = process.env['NODE_ENV'] === 'test' || process.env['JEST_WORKER_ID'] !== undefined;
  return !underTest;
}

/** The exporter startTracing() will use (exported for tests and for a service's start-up log). */
export function chooseTraceExporter(options: Pick<TracingOptions, 'exporter'> = {}): TraceExporterKind {
  if (options.exporter) return options.exporter;
  const listed = (process.env['OTEL_TRACES_EXPORTER'] ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  if (listed.includes('none')) return 'none';
  if (listed.includes('otlp')) return 'otlp';
  if (listed.includes('console')) return 'console';
  if (listed.length > 0) {
    warn(`OTEL_TRACES_EXPORTER=${listed.join(',')} is not supported here (otlp, console, none); exporting nothing`);
    return 'none';
  }
  if (process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] || process.env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']) return 'otlp';
  return 'none';
}

function warn(msg: string, fields: Record<string, unknown> = {}): void {
  process.stderr.write(`${JSON.stringify({ level: 'warn', time: new Date().toISOString(), logger: 'observability.tracing', msg, ...fields })}\n`);
}

function preloadedInstrumentedModules(): string[] {
  const loaded = Object.keys(require.cache);
  return INSTRUMENTED_MODULES.filter((m) => loaded.some((file) => file.includes(`/node_modules/${m}/`)));
}

/**
 * Starts OpenTelemetry for this process. Call it before anything else is imported: from a file
 * that main.ts imports first (see the README). Idempotent: a second call returns the first state.
 */
export function startTracing(options: TracingOptions): TracingState {
  if (started) {
    if (started.state.serviceName !== options.serviceName) {
      warn('startTracing called twice with different service names; keeping the first', {
        first: started.state.serviceName,
        second: options.serviceName,
      });
    }
    return started.state;
  }
  if (!tracingEnabled(options)) {
    started = { state: { enabled: false, exporter: 'disabled', serviceName: options.serviceName } };
    return started.state;
  }

  const preloaded = preloadedInstrumentedModules();
  if (preloaded.length > 0) {
    warn('tracing started after instrumented modules were loaded; their spans will be missing. Import the tracing file first in main.ts', {
      modules: preloaded.join(','),
    });
  }

  const exporterKind = chooseTraceExporter(options);
  const base = require('@opentelemetry/sdk-trace') as typeof import('@opentelemetry/sdk-trace');
  let memory: InMemorySpanExporter | undefined;
  let processor: SpanProcessor;
  switch (exporterKind) {
    case 'memory':
      memory = new base.InMemorySpanExporter();
      processor = new SyncExportSpanProcessor(new PhiSafeSpanExporter(memory));
      break;
    case 'console':
      processor = new base.SimpleSpanProcessor({ exporter: new PhiSafeSpanExporter(new base.ConsoleSpanExporter()) });
      break;
    case 'otlp':
      processor = new base.BatchSpanProcessor({ exporter: new PhiSafeSpanExporter(otlpExporter()) });
      break;
    case 'none':
      // Spans still exist (ids for logs, traceparent for Kafka), they are just not exported.
      processor = new base.NoopSpanProcessor();
      break;
  }

  const { NodeSDK: Sdk } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const { W3CTraceContextPropagator } = require('@opentelemetry/core') as typeof import('@opentelemetry/core');
  const { resourceFromAttributes } = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } = require('@opentelemetry/semantic-conventions') as typeof import('@opentelemetry/semantic-conventions');

  const serviceName = process.env['OTEL_SERVICE_NAME']?.trim() || options.serviceName;
  const resourceAttributes: Record<string, string> = { [ATTR_SERVICE_NAME]: serviceName };
  if (options.serviceVersion) resourceAttributes[ATTR_SERVICE_VERSION] = options.serviceVersion;

  // NodeSDK also reads OTEL_SDK_DISABLED; an explicit opt-in (a test asking for `memory`) must win.
  const savedDisabled = process.env['OTEL_SDK_DISABLED'];
  if (savedDisabled !== undefined) process.env['OTEL_SDK_DISABLED'] = 'false';
  let sdk: NodeSDK;
  try {
    sdk = new Sdk({
      resource: resourceFromAttributes(resourceAttributes),
      serviceName,
      spanProcessors: [processor],
      // W3C trace-context only: baggage is not propagated (it could carry anything, PHI included).
      textMapPropagator: new W3CTraceContextPropagator(),
      // Metrics are prom-client on /metrics, logs are pino on stdout: no OTel metrics/logs pipelines.
      metricReaders: [],
      logRecordProcessors: [],
      instrumentations: buildInstrumentations(options.ignoreIncomingPaths ?? DEFAULT_IGNORED_PATHS),
    });
    sdk.start();
  } finally {
    if (savedDisabled !== undefined) process.env['OTEL_SDK_DISABLED'] = savedDisabled;
  }

  started = { state: { enabled: true, exporter: exporterKind, serviceName }, sdk, memory };
  return started.state;
}

function otlpExporter(): SpanExporter {
  const protocol = (process.env['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'] ?? process.env['OTEL_EXPORTER_OTLP_PROTOCOL'] ?? 'http/protobuf').trim();
  // Endpoint, headers, timeout and compression come from the standard OTEL_EXPORTER_OTLP_* variables.
  if (protocol === 'http/json') {
    // Declared beside the proto exporter, at the same 0.300.0 as @opentelemetry/sdk-node (lets tests read spans as JSON).
    const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-proto');
    return new OTLPTraceExporter();
  }
  if (protocol !== 'http/protobuf') warn(`OTLP protocol ${protocol} is not bundled (http/protobuf, http/json); using http/protobuf`);
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-proto') as typeof import('@opentelemetry/exporter-trace-otlp-proto');
  return new OTLPTraceExporter();
}

function buildInstrumentations(ignoredPaths: RegExp) {
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { NestInstrumentation } = require('@opentelemetry/instrumentation-nestjs-core') as typeof import('@opentelemetry/instrumentation-nestjs-core');
  const { KafkaJsInstrumentation } = require('@opentelemetry/instrumentation-kafkajs') as typeof import('@opentelemetry/instrumentation-kafkajs');
  const { CassandraDriverInstrumentation } =
    require('@opentelemetry/instrumentation-cassandra-driver') as typeof import('@opentelemetry/instrumentation-cassandra-driver');
  const { IORedisInstrumentation } = require('@opentelemetry/instrumentation-ioredis') as typeof import('@opentelemetry/instrumentation-ioredis');
  // Message values are never recorded by this instrumentation; keys (pseudonymous patient ids) are.
  const kafka = new KafkaJsInstrumentation();
  if (!parentProducerSpansOnEventTrace(kafka)) {
    warn('instrumentation-kafkajs has no _startProducerSpan: Kafka send spans are parented on the active context, not on their event');
  }
  return [
    new HttpInstrumentation({
      // No request or response headers are captured (headersToSpanAttributes unset) and bodies are
      // never read by this instrumentation; query values are redacted by PhiSafeSpanExporter.
      ignoreIncomingRequestHook: (req: IncomingMessage) => ignoredPaths.test(req.url ?? ''),
      // Outgoing calls (a JWKS fetch) only as part of a trace, never as stray root spans.
      requireParentforOutgoingSpans: true,
    }),
    new NestInstrumentation(),
    kafka,
    // No CQL text and no parameters on spans.
    new CassandraDriverInstrumentation({ enhancedDatabaseReporting: false }),
    // Only the command name; arguments (keys and values) are dropped.
    new IORedisInstrumentation({ dbStatementSerializer: (command: string) => command, requireParentSpan: true }),
  ];
}

/**
 * Hands each ended span to the exporter at once. SDK 3's SimpleSpanProcessor exports on a later
 * microtask; tests read the in-memory spans right after `span.end()`, so the memory exporter uses this.
 */
class SyncExportSpanProcessor implements SpanProcessor {
  constructor(private readonly exporter: SpanExporter) {}
  onStart(): void {
    // nothing to do when a span starts
  }
  onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    this.exporter.export([span], () => undefined);
  }
  forceFlush(): Promise<void> {
    return Promise.resolve(); // every span was exported when it ended
  }
  async shutdown(): Promise<void> {
    await this.exporter.shutdown();
  }
}

/** The current tracing state (`enabled: false` before startTracing or when disabled). */
export function tracingState(): TracingState {
  return started?.state ?? { enabled: false, exporter: 'disabled', serviceName: '' };
}

/** Exports what is buffered (call on shutdown; ObservabilityModule does it on application shutdown). */
export async function flushTracing(): Promise<void> {
  const provider = trace.getTracerProvider() as { getDelegate?: () => unknown };
  const delegate = (provider.getDelegate ? provider.getDelegate() : provider) as { forceFlush?: () => Promise<void> };
  if (typeof delegate.forceFlush === 'function') await delegate.forceFlush();
}

/** Flushes and stops the SDK. After this, startTracing() may be called again (tests). */
export async function shutdownTracing(): Promise<void> {
  const current = started;
  started = undefined;
  if (current?.sdk) await current.sdk.shutdown();
  trace.disable();
  const { context, propagation } = require('@opentelemetry/api') as typeof import('@opentelemetry/api');
  context.disable();
  propagation.disable();
}

function memoryExporter(): InMemorySpanExporter {
  if (!started?.memory) throw new Error("getFinishedSpans() needs startTracing({ serviceName, exporter: 'memory' })");
  return started.memory;
}

/** Finished spans (already PHI-scrubbed) captured by the `memory` exporter. */
export function getFinishedSpans(): ReadableSpan[] {
  return memoryExporter().getFinishedSpans();
}

/** Forgets the spans captured so far by the `memory` exporter. */
export function resetFinishedSpans(): void {
  memoryExporter().reset();
}
