/*
 * @nestjs/terminus is required inside forRoot() on purpose: it loads @nestjs/core, and importing
 * @vigil/observability must not load @nestjs/core before startTracing() has hooked it (README,
 * "Start-up order"). The types come from `import type`, which is erased.
 */
import {
  Controller,
  type DynamicModule,
  Get,
  Header,
  Inject,
  Injectable,
  Logger as NestLogger,
  Module,
  type OnApplicationShutdown,
  SetMetadata,
} from '@nestjs/common';
import type { HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { Registry } from 'prom-client';
import type { Logger } from './logger';
import { getMetrics, VigilMetrics } from './metrics';
import { flushTracing } from './tracing';

/**
 * The metadata key libs/auth's AuthGuard reads for `@Public()` (PUBLIC_METADATA there; a spec
 * checks they are equal). Duplicated rather than imported because @vigil/auth loads @nestjs/core.
 */
export const PUBLIC_ROUTE_METADATA = 'vigil:auth:public';
/** Marks a controller or handler as answering without a token (the health and metrics routes use it). */
export const PublicRoute = () => SetMetadata(PUBLIC_ROUTE_METADATA, true);

export const OBSERVABILITY_OPTIONS = Symbol('VIGIL_OBSERVABILITY_OPTIONS');
export const DEFAULT_CHECK_TIMEOUT_MS = 2000;

/** One readiness dependency. `check` resolving to `true` or `undefined` is up; `false`, a throw or a timeout is down. */
export interface ReadinessCheck {
  name: string;
  check: () => boolean | void | Promise<boolean | void>;
  /** Default: the module's checkTimeoutMs (2 s). */
  timeoutMs?: number;
}

export interface ObservabilityModuleOptions {
  serviceName: string;
  /** Checks known at import time. Providers can add more at runtime with HealthRegistry.register(). */
  readiness?: ReadinessCheck[];
  checkTimeoutMs?: number;
  /** Default: the process metrics (getMetrics()). */
  metrics?: VigilMetrics;
  /** Where failing checks are logged (with their error). Default: Nest's Logger. */
  logger?: Logger;
}

export type CheckOutcome = { name: string; ok: true } | { name: string; ok: false; reason: 'timeout' | 'returned-false' | 'error'; error?: string };

/**
 * The readiness checks of this process. Inject it anywhere (the module is global) and register
 * checks from the provider that owns the connection:
 * `onModuleInit() { this.health.register({ name: 'kafka-consumer', check: () => this.consumer.hasJoinedGroup() }) }`.
 */
@Injectable()
export class HealthRegistry {
  private readonly checks = new Map<string, ReadinessCheck>();
  private readonly nestLogger = new NestLogger('Health');

  constructor(@Inject(OBSERVABILITY_OPTIONS) private readonly options: ObservabilityModuleOptions) {
    for (const check of options.readiness ?? []) this.register(check);
  }

  /** Adds a check; returns a function that removes it. Names are unique. */
  register(check: ReadinessCheck): () => void {
    if (this.checks.has(check.name)) throw new Error(`readiness check "${check.name}" is already registered`);
    this.checks.set(check.name, check);
    return () => {
      if (this.checks.get(check.name) === check) this.checks.delete(check.name);
    };
  }

  list(): ReadinessCheck[] {
    return [...this.checks.values()];
  }

  /** Runs one check with its timeout. Never throws. */
  async evaluate(check: ReadinessCheck): Promise<CheckOutcome> {
    const timeoutMs = check.timeoutMs ?? this.options.checkTimeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
      timer.unref();
    });
    let outcome: CheckOutcome;
    try {
      const result = await Promise.race([Promise.resolve().then(check.check), timeout]);
      if (result === 'timeout') outcome = { name: check.name, ok: false, reason: 'timeout', error: `no answer in ${timeoutMs} ms` };
      else if (result === false) outcome = { name: check.name, ok: false, reason: 'returned-false' };
      else outcome = { name: check.name, ok: true };
    } catch (e) {
      const error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      outcome = { name: check.name, ok: false, reason: 'error', error: error.slice(0, 300) };
    } finally {
      clearTimeout(timer);
    }
    if (!outcome.ok) this.logFailure(outcome);
    return outcome;
  }

  private logFailure(outcome: Extract<CheckOutcome, { ok: false }>): void {
    const fields = { check: outcome.name, reason: outcome.reason, error: outcome.error };
    if (this.options.logger) this.options.logger.warn(fields, 'readiness check failed');
    else this.nestLogger.warn(`readiness check failed ${JSON.stringify(fields)}`);
  }
}

const LIVE = { status: 'ok', info: { process: { status: 'up' } }, error: {}, details: { process: { status: 'up' } } } as const;

function buildController(terminus: typeof import('@nestjs/terminus')) {
  @PublicRoute()
  @Controller()
  class ObservabilityController {
    constructor(
      @Inject(terminus.HealthCheckService) private readonly health: HealthCheckService,
      @Inject(terminus.HealthIndicatorService) private readonly indicators: HealthIndicatorService,
      @Inject(HealthRegistry) private readonly registry: HealthRegistry,
      @Inject(VigilMetrics) private readonly metrics: VigilMetrics,
    ) {}

    /** Up while the process serves requests (no dependency is checked: a restart would not fix them). */
    @Get('health/live')
    live() {
      return LIVE;
    }

    /**
     * 200 when every readiness check passes; 503 with `error: { <name>: { status: 'down', reason } }`
     * otherwise, and while the application shuts down. Error texts are logged, not returned.
     */
    @Get('health/ready')
    ready() {
      return this.health.check(
        this.registry.list().map((check) => async () => {
          const outcome = await this.registry.evaluate(check);
          const session = this.indicators.check(check.name);
          return outcome.ok ? session.up() : session.down({ reason: outcome.reason });
        }),
      );
    }

    @Get('metrics')
    @Header('Content-Type', Registry.PROMETHEUS_CONTENT_TYPE)
    @Header('Cache-Control', 'no-store')
    metricsText(): Promise<string> {
      return this.metrics.text();
    }
  }
  return ObservabilityController;
}

/**
 * `GET /health/live`, `GET /health/ready` and `GET /metrics`, all without a token, on the service's
 * HTTP app (Fastify or Express; for a Kafka consumer, the HTTP app beside its microservice). Global:
 * HealthRegistry and VigilMetrics can be injected anywhere. Flushes spans on application shutdown.
 */
@Module({})
export class ObservabilityModule implements OnApplicationShutdown {
  static forRoot(options: ObservabilityModuleOptions): DynamicModule {
    const terminus = require('@nestjs/terminus') as typeof import('@nestjs/terminus');
    const metrics = options.metrics ?? getMetrics({ service: options.serviceName });
    return {
      module: ObservabilityModule,
      global: true,
      imports: [terminus.TerminusModule.forRoot({ logger: false })],
      controllers: [buildController(terminus)],
      providers: [{ provide: OBSERVABILITY_OPTIONS, useValue: options }, { provide: VigilMetrics, useValue: metrics }, HealthRegistry],
      exports: [HealthRegistry, VigilMetrics],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await flushTracing();
  }
}
