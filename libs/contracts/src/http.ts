import { FieldError } from './validation';

/** RFC 9457 problem details, the body of every HTTP error. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  requestId?: string;
  errors?: FieldError[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
export const PROBLEM_TYPE_BASE = 'https://vigil.example/problems/';

/** `202` answer of `POST /v1/check-ins`, and per item of the batch. */
export interface CheckInAccepted {
  checkInId: string;
  status: 'accepted';
  receivedAt: string;
}

export interface BatchItemResult {
  index: number;
  checkInId?: string;
  status: number;
  body: CheckInAccepted | ProblemDetails;
}

/** Token claims (JWT): `sub` is the user or the patient id; `org` the tenant. */
export type Role = 'patient' | 'care-manager' | 'care-admin';
export const ROLES: readonly Role[] = ['patient', 'care-manager', 'care-admin'];

export interface VigilClaims {
  sub: string;
  role: Role;
  org: string;
  teams?: string[];
}

/** Headers a dead-lettered record carries beside its original bytes and headers. */
export const DLQ_HEADERS = {
  reason: 'vigil-dlq-reason',
  error: 'vigil-dlq-error',
  sourceTopic: 'vigil-dlq-source-topic',
  sourcePartition: 'vigil-dlq-source-partition',
  sourceOffset: 'vigil-dlq-source-offset',
  consumerGroup: 'vigil-dlq-consumer-group',
  failedAt: 'vigil-dlq-failed-at',
  /** The original record's timestamp (ms): the dead letter itself is stamped with failedAt. */
  sourceTimestamp: 'vigil-dlq-source-timestamp',
} as const;

export const REQUEST_ID_HEADER = 'x-request-id';
