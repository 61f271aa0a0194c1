import { FHIR_BASE_PATH, type FhirBundle, type FhirObservation, type FhirResource } from '@vigil/contracts';
import type { Caller } from '../common/caller';
import { badRequest } from '../common/query';
import type { PatientDataService } from '../observations/patient-data.service';
import { checkParameters, dateWindow, observationKinds, pageSize, patientOf, type Query, single } from './fhir-search';
import { observationOf } from './observation-resources';
import { riskAssessmentOf } from './risk-assessment-resources';

export interface SearchRequest {
  query: Query;
  /** `GET /fhir/R4/Observation`, for audit records. */
  route: string;
  /** scheme://host of the request: Bundle links and fullUrls are absolute. */
  origin: string;
}

/** `_format` (json only: FHIR clients such as HAPI add it) is checked by checkParameters. */
const OBSERVATION_PARAMS = ['patient', 'code', 'date', '_count', '_page', '_format'] as const;
const RISK_PARAMS = ['subject', 'patient', 'date', '_count', '_page', '_format'] as const;
/** A stored series page may hold at most this many diastolic partners of one systolic page. */
const PARTNER_LIMIT = 1000;

/** `_page` of an Observation search: which kind of Observation (index into the searched codes) and the series cursor in it. */
function decodePage(token: string | undefined): { k: number; c?: string } {
  if (token === undefined) return { k: 0 };
  try {
    const o = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { k?: unknown; c?: unknown };
    if (Number.isSafeInteger(o.k) && (o.k as number) >= 0 && (o.c === undefined || typeof o.c === 'string'))
      return { k: o.k as number, c: o.c as string | undefined };
  } catch {
    // fall through
  }
  throw badRequest([{ path: '_page', message: '_page is not a page of this search' }], 'invalid search');
}

const encodePage = (p: { k: number; c?: string }) => Buffer.from(JSON.stringify(p)).toString('base64url');

function link(origin: string, type: string, query: Query, page?: string): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (k === '_page' || v === undefined) continue;
    for (const x of Array.isArray(v) ? v : [v]) params.append(k, x);
  }
  if (page !== undefined) params.append('_page', page);
  return `${origin}${FHIR_BASE_PATH}/${type}?${params.toString()}`;
}

function searchset(req: SearchRequest, type: string, resources: FhirResource[], next?: string): FhirBundle {
  const self = link(req.origin, type, req.query, single(req.query, '_page'));
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    link: [{ relation: 'self', url: self }, ...(next === undefined ? [] : [{ relation: 'next', url: link(req.origin, type, req.query, next) }])],
    entry: resources.map((r) => ({ fullUrl: `${req.origin}${FHIR_BASE_PATH}/${r.resourceType}/${r.id}`, resource: r, search: { mode: 'match' as const } })),
  };
}

/**
 * FHIR searches over the stored series and risk history. Every read goes through PatientDataService,
 * so the tenancy gate (another organisation's patient is a 404) and the audit of reads are the JSON
 * endpoints' own.
 */
export class FhirReadService {
  constructor(private readonly data: PatientDataService) {}

  async observations(caller: Caller, req: SearchRequest): Promise<FhirBundle> {
    const q = req.query;
    checkParameters(q, OBSERVATION_PARAMS);
    const patientId = patientOf(q, 'patient');
    const kinds = observationKinds(q);
    const w = dateWindow(q);
    const count = pageSize(q, 50, 500);
    let { k, c } = decodePage(single(q, '_page'));
    const found: FhirObservation[] = [];
    while (k < kinds.length && found.length < count) {
      const kind = kinds[k];
      const page = await this.data.observationsOf(
        caller,
        patientId,
        { metric: kind.metrics[0], from: w.from, to: w.to, limit: String(count - found.length), cursor: c, order: 'asc' },
        req.route,
      );
      let partner: Map<string, number> | undefined;
      if (kind.metrics.length === 2 && page.items.length) {
        // Blood pressure is one panel: the diastolic points of the same check-ins, over the page's time span.
        const first = page.items[0].recordedAt;
        const last = new Date(Date.parse(page.items[page.items.length - 1].recordedAt) + 1).toISOString();
        const dia = await this.data.observationsOf(
          caller,
          patientId,
          { metric: kind.metrics[1], from: first, to: last, limit: String(PARTNER_LIMIT), order: 'asc' },
          req.route,
        );
        partner = new Map(dia.items.map((p) => [p.checkInId, p.value]));
      }
      for (const p of page.items) {
        if (partner && !partner.has(p.checkInId)) continue; // a systolic without its diastolic is no panel
        found.push(observationOf(kind, patientId, p, partner?.get(p.checkInId)));
      }
      if (page.nextCursor) {
        c = page.nextCursor;
        continue;
      }
      k += 1;
      c = undefined;
    }
    return searchset(req, 'Observation', found, k < kinds.length ? encodePage({ k, c }) : undefined);
  }

  async riskAssessments(caller: Caller, req: SearchRequest): Promise<FhirBundle> {
    const q = req.query;
    checkParameters(q, RISK_PARAMS);
    if (q['subject'] !== undefined && q['patient'] !== undefined)
      throw badRequest([{ path: 'patient', message: 'give subject or patient, not both' }], 'invalid search');
    const patientId = patientOf(q, q['subject'] !== undefined ? 'subject' : 'patient');
    const w = dateWindow(q);
    const count = pageSize(q, 50, 500);
    const page = await this.data.riskOf(
      caller,
      patientId,
      { from: w.from, to: w.to, limit: String(count), cursor: single(q, '_page'), order: 'asc' },
      req.route,
    );
    return searchset(
      req,
      'RiskAssessment',
      page.items.map((p) => riskAssessmentOf(patientId, p)),
      page.nextCursor ?? undefined,
    );
  }
}
