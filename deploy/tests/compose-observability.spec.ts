/**
 * The observability part of docker/compose.yaml, without a Docker engine: the OpenTelemetry
 * Collector, Jaeger and Prometheus services, their config files (docker/otel-collector.yaml,
 * docker/prometheus.yml), and the wiring to the apps: every app sends spans to the collector, the
 * collector forwards traces to Jaeger, and Prometheus scrapes every app on the port its source serves.
 */
import { existsSync } from 'fs';
import { dirname, join } from 'path';
import { appFacts, ROOT, SERVICES } from './lib/app-facts';
import { loadYamlDocuments } from './lib/kustomize';

/* eslint-disable @typescript-eslint/no-explicit-any -- compose and config documents are plain JSON */

const COMPOSE = join(ROOT, 'docker', 'compose.yaml');
const compose = loadYamlDocuments(COMPOSE)[0] as any;
const services = compose.services as Record<string, any>;

const envOf = (svc: any): Record<string, string> => Object.fromEntries(Object.entries(svc.environment ?? {}).map(([k, v]) => [k, String(v)]));
const dependsOn = (svc: any): Record<string, string> =>
  Object.fromEntries(Object.entries(svc.depends_on ?? {}).map(([k, v]) => [k, (v as { condition?: string }).condition ?? 'service_started']));

/** The host file mounted at `target` in a service (short volume syntax, relative to docker/). */
function mounted(svc: any, target: string): string {
  const vol = (svc.volumes as string[] | undefined)?.map((v) => v.split(':')).find((parts) => parts[1] === target);
  if (!vol) throw new Error(`nothing is mounted at ${target}`);
  return join(dirname(COMPOSE), vol[0]);
}

/** The config file a service reads: `--config=<path>` in its command, else `fallback`. */
function configPath(svc: any, fallback: string): string {
  const arg = ((svc.command as string[] | undefined) ?? []).find((a) => a.startsWith('--config='));
  return arg ? arg.slice('--config='.length) : fallback;
}

const hostPort = (mapping: string) => {
  const parts = String(mapping).split(':');
  return { ip: parts.length === 3 ? parts[0] : undefined, host: Number(parts[parts.length - 2]), container: Number(parts[parts.length - 1]) };
};

const collector = services['otel-collector'];
const jaeger = services['jaeger'];
const prometheus = services['prometheus'];

describe('docker/compose.yaml observability', () => {
  it('runs an OpenTelemetry Collector, Jaeger and Prometheus from pinned images', () => {
    expect(collector?.image).toMatch(/^otel\/opentelemetry-collector-contrib:\d+\.\d+\.\d+$/);
    expect(jaeger?.image).toMatch(/^jaegertracing\/(jaeger|all-in-one):\d+\.\d+\.\d+$/);
    expect(prometheus?.image).toMatch(/^prom\/prometheus:v\d+\.\d+\.\d+$/);
  });

  it('publishes the UIs and the OTLP ports on 127.0.0.1 only', () => {
    const published = (svc: any) => (svc.ports as string[]).map(hostPort);
    for (const p of [...published(collector), ...published(jaeger), ...published(prometheus)]) expect(p.ip).toBe('127.0.0.1');
    expect(published(jaeger).map((p) => p.container)).toContain(16686);
    expect(published(prometheus).map((p) => p.container)).toContain(9090);
  });

  describe('the collector', () => {
    const file = mounted(collector, configPath(collector, '/etc/otelcol-contrib/config.yaml'));
    const config = existsSync(file) ? (loadYamlDocuments(file)[0] as any) : undefined;

    it('reads docker/otel-collector.yaml', () => {
      expect(file).toBe(join(ROOT, 'docker', 'otel-collector.yaml'));
      expect(config).toBeDefined();
    });

    it('receives OTLP from other containers (0.0.0.0) and forwards traces to the Jaeger service', () => {
      expect(config.receivers.otlp.protocols.http.endpoint).toBe('0.0.0.0:4318');
      expect(config.receivers.otlp.protocols.grpc.endpoint).toBe('0.0.0.0:4317');
      const traces = config.service.pipelines.traces;
      expect(traces.receivers).toContain('otlp');
      for (const p of traces.processors ?? []) expect(config.processors).toHaveProperty([p]);
      const exporters = (traces.exporters as string[]).map((name) => ({ name, ...config.exporters[name] }));
      const toJaeger = exporters.find((e) => /^otlp(\/|$)/.test(e.name) && String(e.endpoint).split(':')[0] === 'jaeger');
      expect(toJaeger).toBeDefined();
      expect(dependsOn(collector)).toHaveProperty('jaeger');
    });
  });

  describe('Prometheus', () => {
    const file = mounted(prometheus, '/etc/prometheus/prometheus.yml');
    const config = existsSync(file) ? (loadYamlDocuments(file)[0] as any) : undefined;
    const scraped = new Set<string>(
      (config?.scrape_configs ?? [])
        .filter((job: any) => (job.metrics_path ?? '/metrics') === '/metrics' && (job.scheme ?? 'http') === 'http')
        .flatMap((job: any) => (job.static_configs ?? []).flatMap((c: any) => c.targets as string[])),
    );

    it('reads docker/prometheus.yml', () => {
      expect(file).toBe(join(ROOT, 'docker', 'prometheus.yml'));
      expect(config).toBeDefined();
    });

    it.each(SERVICES.map((s) => [s]))('scrapes %s /metrics on the port its source serves', (name) => {
      const facts = appFacts(name);
      expect(services[name]).toBeDefined();
      expect([...scraped]).toContain(`${name}:${facts.port}`);
    });

    it('scrapes only services that exist in compose', () => {
      for (const target of scraped) expect(Object.keys(services)).toContain(target.split(':')[0]);
    });
  });

  describe.each(SERVICES.map((s) => [s]))('%s', (name) => {
    const svc = services[name];

    it('sends its spans to the collector, named after itself', () => {
      const env = envOf(svc);
      const endpoint = new URL(env['OTEL_EXPORTER_OTLP_ENDPOINT']);
      expect(endpoint.hostname).toBe('otel-collector');
      // libs/observability exports http/protobuf unless told otherwise: the collector's HTTP port.
      expect(env['OTEL_EXPORTER_OTLP_PROTOCOL'] ?? 'http/protobuf').toMatch(/^http\//);
      const collectorConfig = loadYamlDocuments(join(ROOT, 'docker', 'otel-collector.yaml'))[0] as any;
      expect(collectorConfig.receivers.otlp.protocols.http.endpoint).toBe(`0.0.0.0:${endpoint.port}`);
      expect(env['OTEL_SERVICE_NAME']).toBe(name);
      expect(env['OTEL_SDK_DISABLED'] ?? 'false').toBe('false');
      expect(dependsOn(svc)).toHaveProperty(['otel-collector']);
    });
  });
});
