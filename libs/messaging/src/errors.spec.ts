import { BaseRpcExceptionFilter } from '@nestjs/microservices';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { lastValueFrom, type Observable } from 'rxjs';
import { describeError, isPoisonMessageError, KafkaUnavailableError, PoisonMessageError } from './errors';

describe('errors', () => {
  afterAll(() => jest.restoreAllMocks());
  it('PoisonMessageError is an Error with a reason', () => {
    const e = new PoisonMessageError('unknown instrument', 'invalid-data');
    expect(e).toBeInstanceOf(Error);
    expect(e.message).toBe('unknown instrument');
    expect(e.reason).toBe('invalid-data');
    expect(describeError(e)).toBe('PoisonMessageError: unknown instrument');
    expect(isPoisonMessageError(e)).toBe(true);
    expect(isPoisonMessageError(new Error('x'))).toBe(false);
  });

  it("passes through Nest's RPC exception layer as itself (other errors do not)", async () => {
    const filter = new BaseRpcExceptionFilter();
    const host = new ExecutionContextHost([]);
    const poison = new PoisonMessageError('bad', 'r');
    await expect(lastValueFrom(filter.catch(poison, host) as Observable<unknown>)).rejects.toBe(poison);
    const nestLogger = (BaseRpcExceptionFilter as unknown as { logger: { error: (e: unknown) => void } }).logger;
    jest.spyOn(nestLogger, 'error').mockImplementation(() => undefined);
    await expect(lastValueFrom(filter.catch(new Error('db down'), host) as Observable<unknown>)).rejects.toEqual({
      status: 'error',
      message: 'Internal server error',
    });
  });

  it('KafkaUnavailableError carries a Retry-After hint', () => {
    const e = new KafkaUnavailableError('down', 3);
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('KafkaUnavailableError');
    expect(e.retryAfterSeconds).toBe(3);
  });
});
