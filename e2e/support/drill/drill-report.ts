/** The drill's report as a Markdown page beside its JSON (bench/results/): counts, then one row per fault. */
import { writeFileSync } from 'node:fs';

interface Phase {
  fault: string;
  faultMs: number;
  readyMs: number;
  pipelineMs: number;
  acceptedDuring: number;
  acceptLatencyMs: { p50: number; p95: number; max: number; n: number };
}

export interface DrillReportData {
  nodes: number;
  ledger: number;
  scores: number;
  archive: number;
  alertsStored: number;
  alertsOffline: number;
  loadAverage1m: { min: number; median: number; max: number; cores: number };
  baselineAcceptLatencyMs: { p50: number; p95: number; max: number };
  leaderMove?: { broker: number; ms: number };
  feed: { rate: number; retries: Record<string, number> };
  sseClients: { team: string; received: number; reconnects: number }[];
  phases: Phase[];
}

const s = (ms: number) => (ms / 1000).toFixed(1);

export function writeDrillMarkdown(file: string, r: DrillReportData): void {
  const lines = [
    `# Drill, ${r.nodes} node${r.nodes > 1 ? 's' : ''} (written by e2e/drill.e2e-spec.ts)`,
    '',
    `- Check-ins accepted (ledger) ${r.ledger}; archived ${r.archive}; scored ${r.scores} (each exactly once).`,
    `- Alerts stored ${r.alertsStored}; the offline engine raised ${r.alertsOffline}; SSE clients received every team's alerts once: ${r.sseClients.map((c) => `${c.team} ${c.received} (${c.reconnects} reconnects)`).join(', ')}.`,
    `- Feed ${r.feed.rate}/s; retried attempts: ${JSON.stringify(r.feed.retries)} (no 5xx but 503 allowed).`,
    `- Load average (1 min) during the run: median ${r.loadAverage1m.median}, min ${r.loadAverage1m.min}, max ${r.loadAverage1m.max} on ${r.loadAverage1m.cores} cores (the machine was shared).`,
    `- Accept latency (first attempt to 202, retries included) in normal running before the first fault: p50 ${r.baselineAcceptLatencyMs.p50} ms, p95 ${r.baselineAcceptLatencyMs.p95} ms, max ${r.baselineAcceptLatencyMs.max} ms.`,
    ...(r.leaderMove ? [`- Partition leaders of the killed broker ${r.leaderMove.broker} moved within ${s(r.leaderMove.ms)} s.`] : []),
    '',
    '| fault | fault lasted (s) | all ready after (s) | pipeline moving after (s) | accepted meanwhile | accept latency p50 / p95 / max (ms) |',
    '|---|---:|---:|---:|---:|---|',
    ...r.phases.map(
      (p) =>
        `| ${p.fault} | ${p.faultMs > 0 ? s(p.faultMs) : '(its boot: next column)'} | ${s(p.readyMs)} | ${s(p.pipelineMs)} | ${p.acceptedDuring} | ${p.acceptLatencyMs.p50} / ${p.acceptLatencyMs.p95} / ${p.acceptLatencyMs.max} |`,
    ),
    '',
    '"all ready after" and "pipeline moving after" count from the fault\'s end (the server answering again; for a rolled service, from its stop, as its boot is the fault).',
    '',
  ];
  writeFileSync(file, lines.join('\n'));
}
