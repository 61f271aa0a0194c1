import type { ContactRequest } from './contact-form';
import type {
  AlertPage,
  AlertView,
  ContactPage,
  ContactView,
  ObservationPoint,
  ObservationsPage,
  PatientProfileView,
  Problem,
  RiskPage,
  RiskPoint,
  WorklistPage,
} from './types';

/** care-api serves the dashboard, so the API is on the same origin. */
export const API_ORIGIN = window.location.origin;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem | null,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** A sentence for the page: the problem's title and detail, or what went wrong on the way. */
export function describeError(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  return e instanceof Error ? e.message : String(e);
}

async function problemOf(res: Response): Promise<Problem | null> {
  try {
    const body = (await res.json()) as unknown;
    return body && typeof body === 'object' ? (body as Problem) : null;
  } catch {
    return null;
  }
}

export class Api {
  constructor(private readonly token: () => string | null) {}

  headers(extra: Record<string, string> = {}): Record<string, string> {
    const t = this.token();
    return { accept: 'application/json', ...(t ? { authorization: `Bearer ${t}` } : {}), ...extra };
  }

  async request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${API_ORIGIN}${path}`, {
        method,
        headers: this.headers(body !== undefined ? { 'content-type': 'application/json' } : {}),
        body: body !== undefined ? JSON.stringify(body) : undefined,
        cache: 'no-store',
      });
    } catch {
      throw new ApiError(0, null, 'The care server cannot be reached. Check the connection and try again.');
    }
    if (!res.ok) {
      const p = await problemOf(res);
      const what = p?.detail || p?.title || res.statusText || 'request failed';
      const message =
        res.status === 401
          ? 'Your sign-in is no longer valid. Paste a new token.'
          : res.status === 403
            ? 'Your role may not do this.'
            : res.status === 404
              ? 'Not found (or not one of your teams).'
              : `${what} (HTTP ${res.status})`;
      throw new ApiError(res.status, p, message);
    }
    return (await res.json()) as T;
  }

  listAlerts(q: { status: string; teamId?: string; patientId?: string; cursor?: string; limit?: number }): Promise<AlertPage> {
    const p = new URLSearchParams({ status: q.status, limit: String(q.limit ?? 100) });
    if (q.teamId) p.set('teamId', q.teamId);
    if (q.patientId) p.set('patientId', q.patientId);
    if (q.cursor) p.set('cursor', q.cursor);
    return this.request<AlertPage>('GET', `/v1/alerts?${p}`);
  }

  getAlert(id: string): Promise<AlertView> {
    return this.request<AlertView>('GET', `/v1/alerts/${encodeURIComponent(id)}`);
  }

  /** Acknowledge or resolve, with the team's note when there is one (PHI: care-api stores it, never logs it). */
  transition(id: string, action: 'acknowledge' | 'resolve', note?: string): Promise<AlertView> {
    return this.request<AlertView>('POST', `/v1/alerts/${encodeURIComponent(id)}/${action}`, note ? { note } : {});
  }

  patient(id: string): Promise<PatientProfileView> {
    return this.request<PatientProfileView>('GET', `/v1/patients/${encodeURIComponent(id)}`);
  }

  /** The newest score (every check-in is scored: its time is the last check-in), or null in the last 90 days. */
  async latestRisk(patientId: string): Promise<RiskPoint | null> {
    const page = await this.request<RiskPage>('GET', `/v1/patients/${encodeURIComponent(patientId)}/risk?order=desc&limit=1`);
    return page.items[0] ?? null;
  }

  /** Every point of one series in [from, to), following the pages (bounded). */
  async observations(patientId: string, metric: string, from: Date, to: Date): Promise<ObservationPoint[]> {
    const out: ObservationPoint[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 20; i++) {
      const p = new URLSearchParams(cursor ? { metric, cursor, limit: '1000' } : { metric, from: from.toISOString(), to: to.toISOString(), limit: '1000' });
      const page: ObservationsPage = await this.request<ObservationsPage>('GET', `/v1/patients/${encodeURIComponent(patientId)}/observations?${p}`);
      out.push(...page.items);
      cursor = page.nextCursor;
      if (!cursor) break;
    }
    return out;
  }

  async risk(patientId: string, from: Date, to: Date): Promise<RiskPoint[]> {
    const out: RiskPoint[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 20; i++) {
      const p = new URLSearchParams(cursor ? { cursor, limit: '1000' } : { from: from.toISOString(), to: to.toISOString(), limit: '1000' });
      const page: RiskPage = await this.request<RiskPage>('GET', `/v1/patients/${encodeURIComponent(patientId)}/risk?${p}`);
      out.push(...page.items);
      cursor = page.nextCursor;
      if (!cursor) break;
    }
    return out;
  }

  /** One page of the caller's teams' worklist (`team`: one of them), in worklist order. */
  worklist(q: { team?: string; cursor?: string; limit?: number } = {}): Promise<WorklistPage> {
    const p = new URLSearchParams({ limit: String(q.limit ?? 200) });
    if (q.team) p.set('team', q.team);
    if (q.cursor) p.set('cursor', q.cursor);
    return this.request<WorklistPage>('GET', `/v1/worklist?${p}`);
  }

  /** A patient's contacts, newest first. */
  contacts(patientId: string, cursor?: string): Promise<ContactPage> {
    const p = new URLSearchParams({ limit: '20' });
    if (cursor) p.set('cursor', cursor);
    return this.request<ContactPage>('GET', `/v1/patients/${encodeURIComponent(patientId)}/contacts?${p}`);
  }

  /** Records a contact (the note is PHI: care-api stores it, never logs it); `contactId` makes a retry safe. */
  logContact(patientId: string, body: ContactRequest): Promise<ContactView> {
    return this.request<ContactView>('POST', `/v1/patients/${encodeURIComponent(patientId)}/contacts`, body);
  }
}
