/** One sample of a Prometheus text exposition. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text format (what GET /metrics answers): one sample per non-comment line. */
export function parsePrometheusText(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

/** GET `<url>/metrics` and returns `vigil_kafka_consumer_lag` of `group`, per partition (absent partitions are not reported). */
export async function scrapeLag(url: string, group: string): Promise<{ total: number; partitions: Map<string, number> }> {
  const res = await fetch(`${url}/metrics`);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  const partitions = new Map<string, number>();
  for (const s of parsePrometheusText(await res.text())) {
    if (s.name === 'vigil_kafka_consumer_lag' && s.labels['group'] === group) partitions.set(`${s.labels['topic']}/${s.labels['partition']}`, s.value);
  }
  return { total: [...partitions.values()].reduce((a, b) => a + b, 0), partitions };
}
