import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { CheckIn, CheckInDto, CHECKIN_LIMITS } from './checkin.dto';
import { fastValidCheckIn } from './checkin-fast-path';

/** One problem with one field, as problem+json `errors[]` and dead-letter headers carry it. */
export interface FieldError {
  path: string;
  message: string;
}

export type Validated<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

/** Keys that could reach an object's prototype through a naive copy: refused outright. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function findForbiddenKeys(value: unknown, path: string, out: FieldError[], depth = 0): void {
  if (depth > 8 || value === null || typeof value !== 'object') return;
  for (const key of Object.keys(value)) {
    const here = path ? `${path}.${key}` : key;
    if (FORBIDDEN_KEYS.has(key)) out.push({ path: here, message: `property ${key} is not allowed` });
    else findForbiddenKeys((value as Record<string, unknown>)[key], here, out, depth + 1);
  }
}

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const e of errors) {
    const path = parent ? `${parent}.${e.property}` : e.property;
    for (const message of Object.values(e.constraints ?? {})) {
      // class-validator words unknown fields as "property x should not exist"
      out.push({ path, message: message.replace(/^property (\S+) should not exist$/, 'unknown field $1 is not allowed') });
    }
    if (e.children?.length) out.push(...flatten(e.children, path));
  }
  return out;
}

/** Validates any DTO class with whitelisting: unknown fields are errors, types are not coerced. */
export function validateDto<T extends object>(cls: new () => T, plain: unknown, rootPath = ''): Validated<T> {
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) {
    return { ok: false, errors: [{ path: rootPath, message: 'body must be a JSON object' }] };
  }
  const forbidden: FieldError[] = [];
  findForbiddenKeys(plain, rootPath, forbidden);
  if (forbidden.length) return { ok: false, errors: forbidden };
  const instance = plainToInstance(cls, plain, { enableImplicitConversion: false });
  const errors = validateSync(instance, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    // One message per field: a string where a number belongs is a type error, not also a range error.
    stopAtFirstError: true,
    validationError: { target: false, value: false },
  });
  if (errors.length) return { ok: false, errors: flatten(errors, rootPath) };
  return { ok: true, value: instance };
}

export interface CheckInValidationOptions {
  /** When given, recordedAt must lie within [now - 30 days, now + 5 min]. Omitted for stored or replayed events. */
  now?: Date;
  /** Prefix for error paths, e.g. `items.3`. */
  rootPath?: string;
}

const MEASURABLE = ['vitals', 'symptoms', 'questionnaires', 'medication', 'mood'] as const;

function hasMeasurement(c: CheckInDto): boolean {
  return MEASURABLE.some((k) => {
    const v = c[k];
    if (v === undefined || v === null) return false;
    if (Array.isArray(v)) return v.length > 0;
    if (typeof v === 'object') return Object.values(v).some((x) => x !== undefined && x !== null);
    return true;
  });
}

/**
 * The whole check-in contract of DESIGN.md: shapes, ranges, cross-field rules and the time window.
 * A plain, certainly valid check-in takes the plain-code path (checkin-fast-path.ts: the same value,
 * property-tested); anything else gets class-validator's verdict with every field error.
 */
export function validateCheckIn(plain: unknown, options: CheckInValidationOptions = {}): Validated<CheckIn> {
  const { fast: _fast, ...verdict } = validateCheckInFast(plain, options);
  return verdict;
}

/** validateCheckIn, saying whether the plain-code path decided (replay counts it). */
export function validateCheckInFast(plain: unknown, options: CheckInValidationOptions = {}): Validated<CheckIn> & { fast: boolean } {
  const fast = fastValidCheckIn(plain);
  if (fast === null) return { ...validateCheckInByDto(plain, options), fast: false };
  // A fast-path check-in has a valid shape and something measurable: only the time window can fail it.
  const errors = timeWindowErrors(fast.recordedAt, options);
  return errors.length ? { ok: false, errors, fast: true } : { ok: true, value: fast, fast: true };
}

/** The contract checked by class-validator on CheckInDto alone: the reference the fast path is tested against. */
export function validateCheckInByDto(plain: unknown, options: CheckInValidationOptions = {}): Validated<CheckIn> {
  const root = options.rootPath ?? '';
  const result = validateDto(CheckInDto, plain, root);
  if (!result.ok) return result;
  const dto = result.value;
  const errors: FieldError[] = [];
  if (!hasMeasurement(dto)) {
    errors.push({ path: root, message: 'check-in has nothing measurable: send vitals, symptoms, questionnaires, medication or mood' });
  }
  errors.push(...timeWindowErrors(dto.recordedAt, options));
  if (errors.length) return { ok: false, errors };
  return { ok: true, value: toPlainCheckIn(dto) };
}

/** The time-window rule alone (empty without `options.now`), for a check-in whose shape is valid. */
export function timeWindowErrors(recordedAt: string, options: CheckInValidationOptions): FieldError[] {
  if (!options.now) return [];
  const path = options.rootPath ? `${options.rootPath}.recordedAt` : 'recordedAt';
  const t = Date.parse(recordedAt);
  const now = options.now.getTime();
  if (t > now + CHECKIN_LIMITS.futureToleranceMs) return [{ path, message: 'recordedAt is more than 5 minutes in the future' }];
  if (t < now - CHECKIN_LIMITS.maxAgeMs) return [{ path, message: 'recordedAt is more than 30 days old' }];
  return [];
}

/** Drops class identity and undefined fields so the value serialises the same everywhere. */
function toPlainCheckIn(dto: CheckInDto): CheckIn {
  return JSON.parse(JSON.stringify(dto)) as CheckIn;
}
