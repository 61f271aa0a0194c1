/**
 * The care dashboard in a real browser (Debian Chromium, headless, through playwright-core) against
 * the real services as processes: ingest-api, risk-scorer, timeseries-writer and care-api, which
 * serves the built dashboard at /dashboard. The build runs first when it is missing or stale.
 *
 * The home view is the worklist (GET /v1/worklist, live over GET /v1/worklist/stream); the alert
 * list is one click away. Screenshots (laptop 1366x768, tablet 820x1180) go to e2e/artifacts/
 * (git-ignored).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { waitFor } from '@vigil/testing';
import { launchChromium, VIEWPORTS } from './support/chromium';
import { DASHBOARD_DIST, ensureDashboardBuilt } from './support/dashboard-build';
import { REPO_ROOT } from './support/service-process';
import { startVigilStack, type VigilStack } from './support/vigil-stack';

const ARTIFACTS = path.join(REPO_ROOT, 'e2e/artifacts');
const DAY = 86_400_000;
/** The pipeline (ingest -> Kafka -> scorer -> Kafka -> care-api -> Redis -> SSE) on a busy 2-core machine. */
const ALERT_WITHIN_MS = 20_000;

/** Waits until the element's text contains `text` (its first match). */
async function hasText(locator: Locator, text: string, timeout = 5000): Promise<void> {
  await waitFor(async () => (await locator.first().innerText()).includes(text), timeout, { intervalMs: 100, what: `text "${text}"` });
}

async function countIs(locator: Locator, n: number, timeout = 5000): Promise<void> {
  await waitFor(async () => (await locator.count()) === n, timeout, { intervalMs: 100, what: `${n} element(s)` });
}

describe('care dashboard in a browser, against the real services', () => {
  let stack: VigilStack | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  let laptop: Page;
  let tablet: Page;
  const errors: string[] = [];

  async function openSignedIn(viewport: { width: number; height: number }, token: string): Promise<Page> {
    const ctx = await browser!.newContext({ viewport });
    contexts.push(ctx);
    const page = await ctx.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${stack!.care.url}/dashboard/`);
    // Keyboard only: the token field has the focus, Enter on the button signs in.
    await page.getByLabel('Access token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).press('Enter');
    await page.locator('#connection[data-connection="live"]').waitFor({ timeout: 20_000 });
    // Home is the worklist.
    await page.getByRole('heading', { name: 'Worklist', level: 1 }).waitFor();
    await page.locator('#worklist[data-loaded="true"]').waitFor({ timeout: 20_000 });
    return page;
  }

  /** The top bar's link to the alert list (one click from anywhere). */
  async function openAlerts(page: Page): Promise<void> {
    await page.locator('a[data-nav="alerts"]').click();
    await page.getByRole('heading', { name: 'Alerts', level: 1 }).waitFor();
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(ARTIFACTS, `dashboard-${name}.png`), fullPage: true });
  const alertOf = (page: Page, patientId: string) => page.locator(`li.alert[data-patient-id="${patientId}"]`);
  const rowOf = (page: Page, patientId: string) => page.locator(`#worklist li.wl-row[data-patient-id="${patientId}"]`);
  const worklistOrder = (page: Page) => page.locator('#worklist li.wl-row').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset['patientId']));

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const t0 = Date.now();
    const took: Record<string, number> = {};
    const timed = <T>(what: string, p: Promise<T>) => p.finally(() => (took[what] = Date.now() - t0));
    // care-api serves /dashboard when the folder exists at its start, and reads the files per
    // request: so it starts beside the build (the slowest step on a busy machine), not after it.
    mkdirSync(DASHBOARD_DIST, { recursive: true });
    const build = timed('dashboard build', ensureDashboardBuilt());
    const started = await Promise.allSettled([timed('services', startVigilStack('dash')), timed('chromium', launchChromium()), build]);
    console.log(`set-up (ms since start): ${JSON.stringify(took)}`);
    if (started[0].status === 'fulfilled') stack = started[0].value;
    if (started[1].status === 'fulfilled') browser = started[1].value;
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    const s = stack!;
    // The page itself, as care-api serves it (a clear failure here beats a timeout in the browser).
    const index = await fetch(`${s.care.url}/dashboard/`);
    const html = await index.text();
    if (index.status !== 200 || !html.includes('id="main"')) {
      throw new Error(
        `care-api did not serve the dashboard at /dashboard/: HTTP ${index.status}, ${html.length} bytes of ${index.headers.get('content-type')}`,
      );
    }
    await Promise.all([
      s.enrol('p-chest', { careTeamId: 'team-a', conditions: ['copd'] }),
      s.enrol('p-missed-1', { careTeamId: 'team-a', conditions: [] }),
      s.enrol('p-missed-2', { careTeamId: 'team-b', conditions: [] }),
      s.enrol('p-diab', { careTeamId: 'team-a', conditions: ['diabetes'], expectedCheckInIntervalHours: 24 }),
      s.enrol('p-crit', { careTeamId: 'team-a', conditions: ['heart-failure'], dryWeightKg: 80 }),
    ]);
    const [t1, t2] = await Promise.all([s.token('care-manager', 'nurse-1', ['team-a', 'team-b']), s.token('care-manager', 'nurse-2', ['team-a'])]);
    [laptop, tablet] = await Promise.all([openSignedIn(VIEWPORTS.laptop, t1), openSignedIn(VIEWPORTS.tablet, t2)]);
  }, 240_000);

  afterAll(async () => {
    const t0 = Date.now();
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await stack?.close();
    console.log(`tear-down: ${Date.now() - t0} ms`);
  }, 90_000);

  it("moves a critical check-in's patient to the top of the open worklists, within seconds", async () => {
    const s = stack!;
    // Every enrolled patient of the page's teams is a row (nurse-2 watches team-a only).
    await rowOf(tablet, 'p-crit').waitFor({ timeout: 10_000 });
    await rowOf(laptop, 'p-missed-2').waitFor({ timeout: 10_000 });
    expect(await rowOf(tablet, 'p-missed-2').count()).toBe(0);
    await hasText(rowOf(tablet, 'p-crit').locator('[data-field="conditions"]'), 'Heart failure');
    await hasText(rowOf(tablet, 'p-crit').locator('[data-field="last-check-in"]'), 'Never checked in');

    const posted = Date.now();
    await s.checkIn('p-crit', {
      recordedAt: new Date(posted).toISOString(),
      vitals: { spo2: 85, heartRate: 122, respiratoryRate: 27, systolicBp: 92, diastolicBp: 58 },
    });
    // Both open pages re-sort: the patient is the first row, marked urgent in words and a shape.
    await waitFor(async () => (await worklistOrder(tablet))[0] === 'p-crit', ALERT_WITHIN_MS, { intervalMs: 100, what: 'p-crit first on the tablet' });
    const latencyMs = Date.now() - posted;
    await waitFor(async () => (await worklistOrder(laptop))[0] === 'p-crit', 10_000, { intervalMs: 100, what: 'p-crit first on the laptop' });
    console.log(`critical check-in -> top of the worklist on a second page: ${latencyMs} ms`);
    const row = rowOf(tablet, 'p-crit');
    expect(await row.getAttribute('data-level')).toBe('urgent');
    expect(await row.locator('.prio-badge').innerText()).toMatch(/▲\s*urgent/i);
    await hasText(row.locator('[data-field="alerts"]'), '1 critical');
    expect(await row.locator('[data-field="reasons"] li').count()).toBeGreaterThan(0);
    await hasText(row.locator('[data-field="last-check-in"]'), 'just now');
    expect(await row.locator('svg.trend').getAttribute('aria-label')).toMatch(/Risk score/);
    // Keyboard: the first row's patient link, then the arrow key to the next row.
    await row.locator('a.wl-patient').focus();
    await tablet.keyboard.press('ArrowDown');
    expect(await tablet.evaluate(() => document.activeElement?.closest('li')?.getAttribute('data-patient-id'))).not.toBe('p-crit');
    expect(latencyMs).toBeLessThan(ALERT_WITHIN_MS);
    await shot(tablet, 'worklist-tablet');
    await shot(laptop, 'worklist-laptop');
    await openAlerts(laptop);
  }, 60_000);

  it('shows a posted check-in as an alert with its reason, within seconds', async () => {
    const s = stack!;
    // A week of readings, then today's check-in with chest pain.
    const now = Date.now();
    for (const [i, d] of [4, 3, 2, 1].entries()) {
      await s.checkIn('p-chest', {
        recordedAt: new Date(now - d * DAY).toISOString(),
        vitals: { weightKg: 72 + i * 0.3, systolicBp: 124 + i * 2, diastolicBp: 78 + i, spo2: 96 - (i % 2), heartRate: 72, respiratoryRate: 16 },
      });
    }
    const posted = Date.now();
    await s.checkIn('p-chest', {
      recordedAt: new Date(posted).toISOString(),
      symptoms: { chestPain: true },
      vitals: { weightKg: 73.5, systolicBp: 134, diastolicBp: 84, spo2: 94, heartRate: 96, respiratoryRate: 20 },
    });
    const alert = alertOf(laptop, 'p-chest');
    await alert.waitFor({ timeout: ALERT_WITHIN_MS });
    const latencyMs = Date.now() - posted;
    await hasText(alert.locator('.reasons'), 'Chest pain reported.');
    expect(await alert.getAttribute('data-status')).toBe('open');
    expect(await alert.locator('.sev-badge').innerText()).toMatch(/high|critical/i);
    console.log(`check-in -> alert on the page: ${latencyMs} ms`);
    expect(latencyMs).toBeLessThan(ALERT_WITHIN_MS);
    await shot(laptop, 'alerts-laptop');
  }, 60_000);

  it('acknowledging on one page changes the alert on a second open page', async () => {
    await openAlerts(tablet);
    const other = alertOf(tablet, 'p-chest');
    await other.waitFor({ timeout: 10_000 });
    expect(await other.getAttribute('data-status')).toBe('open');
    await shot(tablet, 'alerts-tablet');

    // Keyboard: type a note, then Enter on the button.
    await alertOf(laptop, 'p-chest').getByLabel('Note (optional)').fill('Called: pain eased, GP visit today');
    const ack = alertOf(laptop, 'p-chest').getByRole('button', { name: 'Acknowledge' });
    await ack.focus();
    await laptop.keyboard.press('Enter');
    await laptop.locator('li.alert[data-patient-id="p-chest"][data-status="acknowledged"]').waitFor({ timeout: 10_000 });
    // The focus stays on the alert (its Resolve button), not lost to the top of the page.
    expect(await laptop.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset['focusKey'] ?? '')).toMatch(/^resolve:/);

    await tablet.locator('li.alert[data-patient-id="p-chest"][data-status="acknowledged"]').waitFor({ timeout: 10_000 });
    await hasText(other.locator('.status-line'), 'Acknowledged by nurse-1');
    // The note came with the lifecycle event, to the other page too.
    await hasText(other.locator('.status-line'), 'Called: pain eased, GP visit today');
    await hasText(alertOf(laptop, 'p-chest').locator('.status-line'), 'Called: pain eased, GP visit today');
    expect(await other.getByRole('button', { name: 'Acknowledge' }).count()).toBe(0);
    await shot(tablet, 'alerts-acknowledged-tablet');
  }, 60_000);

  it('charts the posted points on the patient view, with a table of the same readings', async () => {
    await alertOf(laptop, 'p-chest').getByRole('link', { name: 'Patient p-chest' }).click();
    await laptop.locator('#charts[data-loaded="true"]').waitFor({ timeout: 20_000 });
    const chart = (id: string) => laptop.locator(`figure[data-chart="${id}"]`);
    // Five check-ins: five points per series (blood pressure: systolic and diastolic).
    expect(await chart('weight').getAttribute('data-points')).toBe('5');
    expect(await chart('blood-pressure').getAttribute('data-points')).toBe('10');
    expect(await chart('spo2').getAttribute('data-points')).toBe('5');
    expect(Number(await chart('risk').getAttribute('data-points'))).toBeGreaterThanOrEqual(5);
    for (const id of ['weight', 'blood-pressure', 'spo2', 'risk']) {
      await chart(id).locator('.chart-plot[data-rendered="true"] canvas').first().waitFor({ timeout: 10_000 });
    }
    // The readings as numbers, newest first.
    const table = (id: string) => chart(id).locator('table.data-table tbody tr');
    expect(await table('weight').locator('td:first-of-type').allTextContents()).toEqual(['73.5', '72.9', '72.6', '72.3', '72.0']);
    expect((await table('blood-pressure').first().locator('td').allTextContents()).slice(0, 2)).toEqual(['134', '84']);
    expect(await table('spo2').locator('td:first-of-type').allTextContents()).toEqual(['94', '95', '96', '95', '96']);
    // The alert is listed and marked.
    await hasText(laptop.locator('.patient-alerts'), 'Chest pain reported.');
    // The acknowledge note, as care-api stored it.
    await hasText(laptop.locator('.patient-alerts .status-line'), 'Called: pain eased, GP visit today');
    expect(await table('weight').first().locator('td').last().textContent()).toMatch(/alert/);
    await shot(laptop, 'patient-laptop');

    await tablet.goto(`${stack!.care.url}/dashboard/patients/p-chest`);
    await tablet.locator('#charts[data-loaded="true"]').waitFor({ timeout: 20_000 });
    await tablet.locator('figure[data-chart="risk"] canvas').first().waitFor();
    await shot(tablet, 'patient-tablet');
    await tablet.getByRole('link', { name: '← Worklist' }).click();

    await laptop.getByRole('link', { name: '← Worklist' }).click();
    await laptop.getByRole('heading', { name: 'Worklist', level: 1 }).waitFor();
  }, 60_000);

  it("shows a diabetes patient's glucose, with its thresholds, beside the profile", async () => {
    const s = stack!;
    const now = Date.now();
    for (const [d, glucoseMgDl] of [
      [3, 142],
      [2, 188],
      [1, 131],
    ]) {
      await s.checkIn('p-diab', {
        recordedAt: new Date(now - d * DAY).toISOString(),
        vitals: { glucoseMgDl, heartRate: 70 },
        medication: { adherence: d === 2 ? 'some' : 'all' },
      });
    }
    await tablet.goto(`${s.care.url}/dashboard/patients/p-diab`);
    const glucose = tablet.locator('figure[data-chart="glucose"]');
    // Stored by the writer (a separate consumer): wait for the three readings, reloading the page.
    await waitFor(
      async () => {
        await tablet.getByRole('button', { name: 'Refresh' }).click();
        await tablet.locator('#charts[data-loaded="true"]').waitFor({ timeout: 20_000 });
        return (await glucose.getAttribute('data-points')) === '3';
      },
      20_000,
      { intervalMs: 500, what: 'three glucose readings on the page' },
    );
    await glucose.locator('canvas').first().waitFor();
    expect(await glucose.locator('table.data-table tbody tr td:first-of-type').allTextContents()).toEqual(['131', '188', '142']);
    expect(await glucose.locator('.chart-plot').getAttribute('aria-label')).toMatch(/Reference lines at 54: hypo level 2; 70: hypo level 1; 250: high/);
    // Only what a diabetes patient has: glucose first (after the risk score), then the other series with readings.
    const shown = await tablet.locator('figure[data-chart]').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset['chart']));
    expect(shown).toEqual(['risk', 'glucose', 'heart-rate', 'adherence']);
    expect(await tablet.locator('figure[data-chart="adherence"] table.data-table tbody tr td:first-of-type').allTextContents()).toEqual(['All', 'Some', 'All']);
    // The profile panel.
    const profile = tablet.locator('#profile');
    await hasText(profile, 'Diabetes');
    await hasText(profile, 'Every 24 h');
    await hasText(profile, 'Scale 1');
    await hasText(profile, 'Overdue'); // the last check-in was a day ago, with a 24 h interval
    await shot(tablet, 'patient-diabetes-tablet');
    await tablet.getByRole('link', { name: '← Worklist' }).click();
    await tablet.locator('#worklist[data-loaded="true"]').waitFor({ timeout: 20_000 });
  }, 60_000);

  it('recording a contact snoozes the patient on the other page and shows in the log', async () => {
    await waitFor(async () => (await worklistOrder(tablet))[0] === 'p-crit', 10_000, { intervalMs: 100, what: 'p-crit first on the tablet' });
    await rowOf(laptop, 'p-crit').locator('a.wl-patient').click();
    await laptop.locator('#charts[data-loaded="true"]').waitFor({ timeout: 20_000 });
    await hasText(laptop.locator('#profile [data-field="worklist"]'), 'Urgent');
    await hasText(laptop.locator('#contact-log'), 'No contacts recorded yet.');
    const form = laptop.locator('form.contact-form');
    // Without an outcome the form says what to fix (and sends nothing).
    await form.getByRole('button', { name: 'Record contact' }).click();
    await hasText(form.locator('.form-error'), 'Choose the outcome');
    // Keyboard and labels only.
    await form.getByLabel('Reached').check();
    await form.getByLabel('Note (optional)').fill('Spoke to daughter: GP visit booked for tomorrow');
    const next = new Date(Date.now() + 3 * DAY);
    const nextDate = `${next.getFullYear()}-${String(next.getMonth() + 1).padStart(2, '0')}-${String(next.getDate()).padStart(2, '0')}`;
    await form.getByLabel('Next contact (optional)').fill(nextDate);
    const resolve = form.locator('#contact-resolve input[type="checkbox"]');
    // The open alert(s) of the critical check-in, offered to resolve with the contact.
    await waitFor(async () => (await resolve.count()) > 0, 10_000, { intervalMs: 100, what: 'an alert to resolve' });
    const toResolve = await resolve.count();
    for (let i = 0; i < toResolve; i++) await resolve.nth(i).check();
    await form.getByRole('button', { name: 'Record contact' }).press('Enter');

    const logged = laptop.locator('#contact-log li.contact').first();
    await logged.waitFor({ timeout: 10_000 });
    await hasText(logged, 'Reached');
    await hasText(logged, 'Spoke to daughter: GP visit booked for tomorrow');
    await hasText(logged, `Resolved ${toResolve} alert`);
    expect(await logged.getAttribute('data-outcome')).toBe('reached');
    // The resolved alert, with the contact's note (stored with the alert).
    await hasText(laptop.locator('.patient-alerts .status-line'), 'Spoke to daughter: GP visit booked for tomorrow', 10_000);
    expect(await laptop.locator('.patient-alerts li[data-status="resolved"]').count()).toBe(toResolve);

    // The other page: snoozed (in words, and sorted after every patient who is not).
    const row = rowOf(tablet, 'p-crit');
    await waitFor(async () => (await row.getAttribute('data-snoozed')) === 'true', 10_000, { intervalMs: 100, what: 'p-crit snoozed on the tablet' });
    await hasText(row.locator('[data-field="snooze"]'), 'Snoozed until');
    await hasText(row.locator('[data-field="last-contact"]'), 'Reached');
    const order = await worklistOrder(tablet);
    expect(order[order.length - 1]).toBe('p-crit');
    await hasText(laptop.locator('#profile [data-field="worklist"]'), 'Snoozed until');
    await shot(laptop, 'patient-contact-laptop');
    await shot(tablet, 'worklist-snoozed-tablet');
  }, 60_000);

  it('shows the offline state when the stream server dies, and the missed alerts once it is back', async () => {
    const s = stack!;
    await openAlerts(laptop);
    const resumes: string[] = [];
    laptop.on('request', (r) => {
      if (r.url().includes('/v1/alerts/stream')) void r.allHeaders().then((h) => resumes.push(h['last-event-id'] ?? ''));
    });
    await s.care.kill();
    await laptop.locator('#connection[data-connection="offline"]').waitFor({ timeout: 15_000 });
    await laptop.locator('#offline-banner:not([hidden])').waitFor();
    await hasText(laptop.locator('#offline-banner'), 'Offline');
    await shot(laptop, 'offline-laptop');

    // Alerts raised while care-api is down.
    await s.checkIn('p-missed-1', { symptoms: { chestPain: true } });
    await s.checkIn('p-missed-2', { vitals: { spo2: 85, heartRate: 118, respiratoryRate: 26 } });
    await s.care.start();

    await alertOf(laptop, 'p-missed-1').waitFor({ timeout: 45_000 });
    await alertOf(laptop, 'p-missed-2').waitFor({ timeout: 20_000 });
    await laptop.locator('#connection[data-connection="live"]').waitFor({ timeout: 10_000 });
    expect(await laptop.locator('#offline-banner').isHidden()).toBe(true);
    await hasText(alertOf(laptop, 'p-missed-1').locator('.reasons'), 'Chest pain reported.');
    await hasText(alertOf(laptop, 'p-missed-2').locator('.reasons'), 'SpO2 85%');
    // They came through the resumed stream: the reconnect sent the position it had reached.
    expect(resumes.filter((id) => /^\d+-\d+$/.test(id)).length).toBeGreaterThan(0);
    // Most severe first: the critical NEWS2 alert above the high chest-pain one.
    const order = await laptop.locator('li.alert').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset['severity']));
    expect(order).toEqual([...order].sort((a, b) => ['critical', 'high', 'medium'].indexOf(a ?? '') - ['critical', 'high', 'medium'].indexOf(b ?? '')));
    await shot(laptop, 'reconnected-laptop');

    // Team filter: only team-b's alert.
    await laptop.getByLabel('Team').selectOption('team-b');
    await countIs(laptop.locator('li.alert'), 1);
    expect(await laptop.locator('li.alert').getAttribute('data-patient-id')).toBe('p-missed-2');
    // Status filter: the acknowledged one only.
    await laptop.getByLabel('Team').selectOption('');
    await laptop.getByLabel('Status').selectOption('acknowledged');
    await countIs(laptop.locator('li.alert'), 1);
    expect(await laptop.locator('li.alert').getAttribute('data-patient-id')).toBe('p-chest');

    // Acknowledge with a note from the patient page too: the stored note is shown with the alert.
    await laptop.goto(`${s.care.url}/dashboard/patients/p-missed-1`);
    const open = laptop.locator('.patient-alerts li[data-status="open"]').first();
    await open.waitFor({ timeout: 20_000 });
    await open.getByLabel('Note (optional)').fill('Left a message with the carer');
    await open.getByLabel('Note (optional)').press('Enter');
    const acked = laptop.locator('.patient-alerts li[data-status="acknowledged"]').first();
    await acked.waitFor({ timeout: 10_000 });
    await hasText(acked.locator('.status-line'), 'Left a message with the carer');
    expect(errors).toEqual([]);
  }, 120_000);
});
