import { STATUS_CODES } from 'node:http';
import { FHIR_MAX_BUNDLE_ENTRIES, type FhirBundle, type FhirBundleEntry, type ProblemDetails, type VigilClaims } from '@vigil/contracts';
import { operationOutcomeOf, ProblemException } from '@vigil/http';
import type { CheckInService, RequestContext } from '../checkins/checkins.service';
import { checkElements, invalid, isObj } from './fhir-input';
import { fhirErrors, type MappedCheckIn } from './mapped-checkin';
import { observationToCheckIn } from './observation.mapper';
import { questionnaireResponseToCheckIn } from './questionnaire-response.mapper';

export type FhirCreatable = 'Observation' | 'QuestionnaireResponse';

export interface FhirCreated {
  resourceType: FhirCreatable;
  id: string;
  /** When Vigil first accepted it (a repeat answers the first time again). */
  lastUpdated: string;
}

const BUNDLE_ELEMENTS = new Set([
  'resourceType',
  'id',
  'meta',
  'implicitRules',
  'language',
  'identifier',
  'type',
  'timestamp',
  'total',
  'link',
  'entry',
  'signature',
]);
const MAPPERS: Record<FhirCreatable, (r: unknown, patientId: string, base: string) => MappedCheckIn> = {
  Observation: observationToCheckIn,
  QuestionnaireResponse: questionnaireResponseToCheckIn,
};

/** The check-in service's errors, with paths in the sender's terms (FHIRPath of the element it sent). */
function inFhirTerms(e: unknown, mapped: MappedCheckIn[], root: (i: number) => string): unknown {
  if (!(e instanceof ProblemException) || !e.problem.errors?.length) return e;
  return new ProblemException({ ...e.problem, errors: fhirErrors(e.problem.errors, mapped, root) }, e.headers);
}

function statusLine(status: number): string {
  return `${status} ${STATUS_CODES[status] ?? ''}`.trim();
}

function failedEntry(p: ProblemDetails): FhirBundleEntry {
  return { response: { status: statusLine(p.status), outcome: operationOutcomeOf(p) } };
}

function createdEntry(c: FhirCreated): FhirBundleEntry {
  return { response: { status: statusLine(201), location: `${c.resourceType}/${c.id}`, lastModified: c.lastUpdated } };
}

/** What a mapper threw, as a problem (anything else is a bug and propagates). */
function problemOf(e: unknown): ProblemDetails {
  if (e instanceof ProblemException) return e.problem;
  throw e;
}

/**
 * FHIR in, check-ins out: each resource is mapped to the check-in it stands for, then handed to the
 * check-in service (its validation, rate limit, idempotency and produce), so a FHIR check-in is
 * exactly a posted one. A transaction Bundle goes through `acceptAll` (all or nothing), a batch
 * Bundle through `acceptBatch` (answered per entry).
 */
export class FhirIngestService {
  constructor(private readonly checkIns: CheckInService) {}

  async create(type: FhirCreatable, claims: VigilClaims, body: unknown, ctx: RequestContext): Promise<FhirCreated> {
    const mapped = MAPPERS[type](body, claims.sub, type);
    try {
      const accepted = await this.checkIns.acceptOne(claims, mapped.checkIn, ctx);
      return { resourceType: type, id: mapped.id, lastUpdated: accepted.receivedAt };
    } catch (e) {
      throw inFhirTerms(e, [mapped], () => '');
    }
  }

  async bundle(claims: VigilClaims, body: unknown, ctx: RequestContext): Promise<FhirBundle> {
    const { type, entries } = bundleEntries(body);
    const mapped: (MappedCheckIn | ProblemDetails)[] = entries.map((entry, i) => {
      try {
        return mapEntry(entry, i, claims.sub);
      } catch (e) {
        return problemOf(e);
      }
    });
    return type === 'transaction' ? this.transaction(claims, mapped, ctx) : this.batch(claims, mapped, ctx);
  }

  private async transaction(claims: VigilClaims, mapped: (MappedCheckIn | ProblemDetails)[], ctx: RequestContext): Promise<FhirBundle> {
    const failures = mapped.filter((m): m is ProblemDetails => !('checkIn' in m));
    if (failures.length) {
      // Nothing of a transaction is accepted when any entry is refused; every entry's errors are listed.
      const errors = failures.flatMap((p) => p.errors ?? [{ path: 'Bundle.entry', message: p.detail }]);
      throw new ProblemException({ ...failures[0], detail: `${failures.length} of ${mapped.length} entries refused; nothing was accepted`, errors });
    }
    const ok = mapped as MappedCheckIn[];
    let accepted;
    try {
      accepted = await this.checkIns.acceptAll(
        claims,
        ok.map((m) => m.checkIn),
        ctx,
      );
    } catch (e) {
      throw inFhirTerms(e, ok, (i) => `items.${i}`);
    }
    return {
      resourceType: 'Bundle',
      type: 'transaction-response',
      entry: ok.map((m, i) => createdEntry({ resourceType: m.resourceType, id: m.id, lastUpdated: accepted[i].receivedAt })),
    };
  }

  private async batch(claims: VigilClaims, mapped: (MappedCheckIn | ProblemDetails)[], ctx: RequestContext): Promise<FhirBundle> {
    const ok = mapped.flatMap((m, i) => ('checkIn' in m ? [{ m, i }] : []));
    const entry: FhirBundleEntry[] = mapped.map((m) => ('checkIn' in m ? {} : failedEntry(m)));
    if (ok.length) {
      const { response } = await this.checkIns.acceptBatch(claims, { items: ok.map((x) => x.m.checkIn) }, ctx);
      for (const r of response.results) {
        const { m, i } = ok[r.index];
        if (r.status === 202) {
          entry[i] = createdEntry({ resourceType: m.resourceType, id: m.id, lastUpdated: (r.body as { receivedAt: string }).receivedAt });
        } else {
          const p = r.body as ProblemDetails;
          entry[i] = failedEntry(p.errors ? { ...p, errors: fhirErrors(p.errors, [m], () => `items.${r.index}`) } : p);
        }
      }
    }
    return { resourceType: 'Bundle', type: 'batch-response', entry };
  }
}

/** `{ resourceType: Bundle, type: batch | transaction, entry: [1..100] }`; anything else refuses the whole request. */
function bundleEntries(body: unknown): { type: 'batch' | 'transaction'; entries: unknown[] } {
  if (!isObj(body) || body['resourceType'] !== 'Bundle') throw invalid('Bundle', 'POST /fhir/R4 takes a Bundle of type batch or transaction');
  checkElements(body, BUNDLE_ELEMENTS, 'Bundle');
  const type = body['type'];
  if (type !== 'batch' && type !== 'transaction') throw invalid('Bundle.type', 'Bundle.type must be batch or transaction');
  const entries = body['entry'];
  if (!Array.isArray(entries) || entries.length === 0) throw invalid('Bundle.entry', 'a Bundle needs at least one entry');
  if (entries.length > FHIR_MAX_BUNDLE_ENTRIES) {
    throw invalid('Bundle.entry', `a Bundle takes at most ${FHIR_MAX_BUNDLE_ENTRIES} entries (got ${entries.length}); split it`);
  }
  return { type, entries };
}

function mapEntry(entry: unknown, i: number, patientId: string): MappedCheckIn {
  const base = `Bundle.entry[${i}]`;
  if (!isObj(entry)) throw invalid(base, 'an entry must be an object');
  const request = entry['request'];
  if (!isObj(request) || request['method'] !== 'POST') throw invalid(`${base}.request.method`, 'entries must be POST (create) requests');
  const url = typeof request['url'] === 'string' ? request['url'].replace(/^.*\//, '') : '';
  if (url !== 'Observation' && url !== 'QuestionnaireResponse')
    throw invalid(`${base}.request.url`, 'request.url must be Observation or QuestionnaireResponse');
  if (request['ifNoneExist'] !== undefined)
    throw invalid(`${base}.request.ifNoneExist`, 'conditional create is not supported: the identifier is the idempotency key');
  const resource = entry['resource'];
  if (!isObj(resource) || resource['resourceType'] !== url) throw invalid(`${base}.resource`, `the entry's resource must be a ${url} (request.url)`);
  return MAPPERS[url](resource, patientId, `${base}.resource`);
}
