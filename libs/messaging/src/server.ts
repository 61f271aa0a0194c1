import { Server, type CustomTransportStrategy, type MessageHandler } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { BatchConsumer, type BatchConsumerOptions, type ConsumerStats } from './consumer';
import type { ConsumedEvent, KafkaEventContext } from './consumed-event';

export type KafkaBatchServerOptions = BatchConsumerOptions;

/** Transport status, as the stock transports report it (`app.status`). */
export type KafkaBatchStatus = 'disconnected' | 'connected' | 'rebalancing' | 'crashed' | 'stopped';

type Listener = (event: unknown) => void;

interface ChainedHandler {
  extras?: Record<string, unknown>;
  next?: ChainedHandler;
}

/**
 * The one Kafka transport of Vigil's consumers: `NestFactory.createMicroservice(AppModule,
 * { strategy: new KafkaBatchServer({ kafka, groupId }) })`. It subscribes to the patterns of the
 * registered `@EventPattern` handlers (base topic names) and delivers them over kafkajs `eachBatch`
 * with the semantics documented in libs/messaging/README.md.
 */
export class KafkaBatchServer extends Server<Record<string, Listener>, KafkaBatchStatus> implements CustomTransportStrategy {
  private consumer: BatchConsumer | null = null;
  private readonly pending: [string, Listener][] = [];

  constructor(private readonly options: KafkaBatchServerOptions) {
    super();
  }

  listen(callback: (...optionalParams: unknown[]) => unknown): void {
    let consumer: BatchConsumer;
    try {
      consumer = new BatchConsumer(this.options);
      for (const [pattern, handler] of this.messageHandlers) {
        if (!handler.isEventHandler) {
          this.logger.warn(`@MessagePattern(${pattern}) ignored: Kafka consumers take @EventPattern handlers`);
          continue;
        }
        consumer.setHandler(pattern, {
          batch: batchFlag(pattern, handler as ChainedHandler),
          handle: (payload, ctx) => this.invoke(handler, payload, ctx),
        });
      }
      if (consumer.topics().length === 0) throw new Error('KafkaBatchServer: no @EventPattern handlers registered, nothing to consume');
    } catch (e) {
      callback(e);
      return;
    }
    this.consumer = consumer;
    consumer.on('consumer.group_join', () => this._status$.next('connected'));
    consumer.on('consumer.rebalancing', () => this._status$.next('rebalancing'));
    consumer.on('consumer.crash', () => this._status$.next('crashed'));
    consumer.on('consumer.stop', () => this._status$.next('stopped'));
    for (const [event, listener] of this.pending) consumer.on(event, listener);
    this._status$.next('disconnected');
    consumer.startInBackground().then(
      () => callback(),
      (e: unknown) => callback(e),
    );
  }

  /** Graceful drain (Nest calls it on app.close(), e.g. on SIGTERM with enableShutdownHooks). */
  async close(): Promise<void> {
    const c = this.consumer;
    if (!c) return;
    await c.stop();
    this._status$.next('disconnected');
  }

  /** kafkajs consumer instrumentation events by name (`consumer.group_join`, `consumer.crash`, ...). */
  on<EventKey extends string = string, EventCallback extends Listener = Listener>(event: EventKey, callback: EventCallback): void {
    if (this.consumer) this.consumer.on(event, callback);
    else this.pending.push([event, callback]);
  }

  /** The kafkajs consumer (null before listen()). */
  unwrap<T>(): T {
    return this.consumer?.unwrap() as T;
  }

  /** True once the consumer has joined its group: for readiness probes. */
  isReady(): boolean {
    return this.consumer?.isReady() ?? false;
  }

  whenReady(timeoutMs?: number): Promise<void> {
    if (!this.consumer) return Promise.reject(new Error('not listening'));
    return this.consumer.whenReady(timeoutMs);
  }

  /** Per-partition committed offsets and lag, and processed / failed / dead-lettered counters: for metrics. */
  stats(): ConsumerStats {
    return (
      this.consumer?.stats() ?? {
        groupId: this.options.groupId,
        ready: false,
        processed: 0,
        failed: 0,
        deadLettered: 0,
        skipped: 0,
        inFlightBatches: 0,
        partitions: [],
      }
    );
  }

  pause(topic: string): void {
    this.consumer?.pause(topic);
  }

  resume(topic: string): void {
    this.consumer?.resume(topic);
  }

  /**
   * Calls the Nest handler (its guards, interceptors, pipes and filters included) and waits for
   * the work: a Promise, or an Observable's completion. Nest's exception layer turns a thrown error
   * into an errored Observable; PoisonMessageError passes through it unchanged.
   */
  private async invoke(handler: MessageHandler, payload: ConsumedEvent | ConsumedEvent[], ctx: KafkaEventContext): Promise<unknown> {
    const out: unknown = await handler(payload, ctx);
    return lastValueFrom(this.transformToObservable(out), { defaultValue: undefined });
  }
}

function batchFlag(pattern: string, handler: ChainedHandler): boolean {
  const flags = new Set<boolean>();
  for (let h: ChainedHandler | undefined = handler; h; h = h.next) flags.add(h.extras?.['batch'] === true);
  if (flags.size > 1) {
    throw new Error(`handlers of ${pattern} disagree on BATCH: all of a topic's handlers must take the same shape`);
  }
  return flags.has(true);
}
