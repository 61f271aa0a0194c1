/**
 * `replay export --format parquet` against the real Kafka, read back by a real reader (DuckDB): the
 * README's example queries give summary.json's counts, and the `cloudevent` column holds exactly
 * the NDJSON export's lines.
 */
import 'reflect-metadata';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { allTopicSpecs, TOPICS } from '@vigil/contracts';
import { EventPublisher, type Kafka } from '@vigil/messaging';
import { createTestTopics, deleteTestTopics, testKafka, uniquePrefix } from '@vigil/testing';
import { makeDataset, shuffled } from '../test/fixtures';
import { runReplay } from '../test/io';

jest.setTimeout(180_000);

const START = Date.UTC(2026, 0, 1);
const FROM = '2026-01-02T00:00:00Z';
const TO = '2026-01-08T00:00:00Z';

// The README's example queries ("Parquet export"), word for word but for the file names.
const CHECKINS_QUERY = (f: string) => `
SELECT count(*) FILTER (WHERE observation_index IS NULL OR observation_index = 0) AS check_ins,
       count(DISTINCT patient_id) AS patients,
       round(avg(value) FILTER (WHERE metric = 'spo2'), 2) AS mean_spo2
FROM '${f}'`;
const ALERTS_QUERY = (f: string) => `
SELECT model_version, rule_code, severity, count(*) AS alerts
FROM '${f}' WHERE type = 'org.vigil.alert.raised'
GROUP BY ALL ORDER BY rule_code, severity`;
const FACTORS_QUERY = (f: string) => `
SELECT code, count(*) AS scores FROM (SELECT unnest(factor_codes) AS code FROM '${f}')
GROUP BY code ORDER BY scores DESC, code LIMIT 5`;

describe('replay export --format parquet (Kafka; read by DuckDB)', () => {
  const prefix = uniquePrefix('parquet');
  let kafka: Kafka;
  let dir: string;
  let env: Record<string, string>;
  let db: DuckDBInstance;
  let duck: DuckDBConnection;
  const data = makeDataset({ seed: 23, tenants: 2, patientsPerTenant: 5, start: START, days: 8, perDay: 2, runId: prefix.slice(2, -1), withoutProfile: [3] });

  beforeAll(async () => {
    kafka = testKafka('parquet-it');
    await createTestTopics(kafka, prefix, allTopicSpecs(), { partitions: 2 });
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'replay-parquet-'));
    env = { TOPIC_PREFIX: prefix };
    const publisher = new EventPublisher(kafka, { topicPrefix: prefix });
    await publisher.connect();
    await publisher.publishMany(TOPICS.patients, data.profiles);
    await publisher.publishMany(TOPICS.checkins, shuffled(data.checkIns, 7));
    await publisher.publish(TOPICS.checkins, data.checkIns[12]); // a producer retry: the same event twice
    await publisher.disconnect();
    db = await DuckDBInstance.create(':memory:');
    duck = await db.connect();
  });

  afterAll(async () => {
    duck?.closeSync();
    db?.closeSync();
    await Promise.allSettled([deleteTestTopics(kafka, prefix), dir ? fs.rm(dir, { recursive: true, force: true }) : undefined]);
  });

  const file = (name: string) => path.join(dir, name);
  const replay = async (argv: string[]) => {
    const r = await runReplay([...argv, '--progress', 'none'], env);
    if (r.code !== 0) throw new Error(`replay ${argv.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r;
  };
  const query = async (sql: string) => (await duck.runAndReadAll(sql)).getRowObjectsJson();
  const range = ['--from', FROM, '--to', TO];

  it("check-ins, scores and alerts as Parquet give summary.json's counts in DuckDB; the same export gives the same bytes", async () => {
    await replay(['rescore', '--model', 'v1', ...range, '--source', 'kafka', '--out', file('r')]);
    const summary = JSON.parse(await fs.readFile(file('r/summary.json'), 'utf8'));
    const model = summary.models[0];
    expect(model.alerts).toBeGreaterThan(0);
    expect(summary.duplicates).toBe(1);

    await replay(['export', ...range, '--source', 'kafka', '--format', 'parquet', '--out', file('checkins.parquet')]);
    await replay(['export', '--stream', 'scores', ...range, '--input', file('r/risk-scores.ndjson'), '--format', 'parquet', '--out', file('scores.parquet')]);
    await replay(['export', '--stream', 'alerts', ...range, '--input', file('r/alerts.ndjson'), '--format', 'parquet', '--out', file('alerts.parquet')]);
    expect((await fs.readdir(dir)).filter((n) => n.endsWith('.partial'))).toEqual([]);

    const [c] = await query(CHECKINS_QUERY(file('checkins.parquet')));
    // Every check-in read once (the export writes a duplicate once, rescore counts it).
    expect(Number(c['check_ins'])).toBe(summary.checkInsRead - summary.duplicates);
    expect(Number(c['patients'])).toBe(data.patients.length);
    expect(Number(c['mean_spo2'])).toBeGreaterThan(80);

    const [s] = await query(`SELECT count(*) AS n, count(DISTINCT patient_id) AS p FROM '${file('scores.parquet')}'`);
    expect([Number(s['n']), Number(s['p'])]).toEqual([model.checkInsScored, model.patientsScored]);

    const byRule = await query(ALERTS_QUERY(file('alerts.parquet')));
    expect(byRule.map((r) => ({ ruleCode: r['rule_code'], severity: r['severity'], alerts: Number(r['alerts']) }))).toEqual(
      model.byRule
        .map((r: { ruleCode: string; severity: string; alerts: number }) => ({ ruleCode: r.ruleCode, severity: r.severity, alerts: r.alerts }))
        .sort((a: { ruleCode: string; severity: string }, b: { ruleCode: string; severity: string }) =>
          `${a.ruleCode}\u0000${a.severity}`.localeCompare(`${b.ruleCode}\u0000${b.severity}`),
        ),
    );
    expect(byRule.every((r) => r['model_version'] === 'v1')).toBe(true);
    const factors = await query(FACTORS_QUERY(file('scores.parquet')));
    expect(factors.length).toBeGreaterThan(0);

    // The cloudevent column is the NDJSON export, line for line and in order.
    await replay(['export', ...range, '--source', 'kafka', '--out', file('checkins.ndjson')]);
    const lines = (await fs.readFile(file('checkins.ndjson'), 'utf8')).trimEnd().split('\n');
    const events = await query(`SELECT cloudevent FROM '${file('checkins.parquet')}' WHERE cloudevent IS NOT NULL`);
    expect(events.map((r) => r['cloudevent'])).toEqual(lines);
    const [t] = await query(`SELECT typeof(any_value(event_time)) AS t, min(event_time) >= TIMESTAMPTZ '${FROM}' AS inside FROM '${file('checkins.parquet')}'`);
    expect(t).toEqual({ t: 'TIMESTAMP WITH TIME ZONE', inside: true });

    await replay(['export', ...range, '--source', 'kafka', '--format', 'parquet', '--out', file('again.parquet')]);
    expect((await fs.readFile(file('again.parquet'))).equals(await fs.readFile(file('checkins.parquet')))).toBe(true);
  });

  it('refuses Parquet on standard output and with --gzip (usage, exit 2)', async () => {
    const r = await runReplay(['export', ...range, '--format', 'parquet', '--progress', 'none'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--format parquet needs --out FILE');
  });
});
