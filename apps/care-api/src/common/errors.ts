import { errors as cassandraErrors } from 'cassandra-driver';
import { ProblemException, type DomainErrorMapper } from '@vigil/http';
import { KafkaUnavailableError } from '@vigil/messaging';
import { InvalidCursorError } from '@vigil/storage';
import { AuditUnavailableError } from '../audit/audit.service';
import { RedisUnavailableError } from '../stream/fanout';

// Cassandra response codes that mean "not now" rather than "wrong": unavailable, overloaded,
// bootstrapping, write / read timeout, read / write failure.
const CASSANDRA_TRANSIENT = new Set([0x1000, 0x1001, 0x1002, 0x1100, 0x1200, 0x1300, 0x1500]);

function isCassandraUnavailable(e: unknown): boolean {
  if (e instanceof cassandraErrors.NoHostAvailableError || e instanceof cassandraErrors.OperationTimedOutError) return true;
  if (e instanceof cassandraErrors.ResponseError) return CASSANDRA_TRANSIENT.has(e.code);
  return e instanceof cassandraErrors.DriverError && /not connected|shutdown/i.test(e.message);
}

function isRedisUnavailable(e: unknown): boolean {
  if (e instanceof RedisUnavailableError) return true;
  const err = e as { name?: string; message?: string } | null;
  if (!err || typeof err.message !== 'string') return false;
  return err.name === 'MaxRetriesPerRequestError' || /Connection is closed|Command timed out|enableOfflineQueue|Stream isn't writeable/i.test(err.message);
}

/**
 * Expected faults are never a 500 (DESIGN.md "HTTP"): a dependency that is down is a 503 with
 * Retry-After. Only errors that mean bad input are a 4xx: a storage cursor that fails its own check
 * (ours are signed, so this is a cursor of another deployment). Ranges are checked before any query;
 * a RangeError from below is an internal error and answers 500, never a 400 that hides it.
 */
export function careDomainErrors(retryAfterSeconds: number): DomainErrorMapper {
  return (e: unknown) => {
    if (e instanceof KafkaUnavailableError) {
      return ProblemException.of('unavailable', 'Kafka did not acknowledge in time; retry later', {
        retryAfterSeconds: Math.max(retryAfterSeconds, e.retryAfterSeconds),
        title: 'Kafka unavailable',
      });
    }
    if (e instanceof AuditUnavailableError) {
      return ProblemException.of('unavailable', 'the audit trail could not be written, so the data is not served; retry later', {
        retryAfterSeconds,
        title: 'Audit trail unavailable',
      });
    }
    if (isCassandraUnavailable(e))
      return ProblemException.of('unavailable', 'the database is unavailable; retry later', { retryAfterSeconds, title: 'Database unavailable' });
    if (isRedisUnavailable(e))
      return ProblemException.of('unavailable', 'the alert stream store is unavailable; retry later', { retryAfterSeconds, title: 'Redis unavailable' });
    if (e instanceof InvalidCursorError)
      return ProblemException.of('validation', 'the cursor is invalid for this query', { errors: [{ path: 'cursor', message: 'invalid cursor' }] });
    return undefined;
  };
}
