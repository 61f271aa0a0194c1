/**
 * Merging shards' NDJSON files into one: each file is in file order (tenant, patient, ...) and
 * every patient is in one shard only, so a k-way merge on (tenant, patient) that keeps each shard's
 * own order within a patient gives exactly the single-process file.
 *
 * The patient is read off the line without parsing it: an event line has the `tenantid` and
 * `subject` attributes, a comparison row (both.ndjson, lead-times.ndjson) `tenantId` and
 * `patientId`. Inside a JSON string a quote is escaped, so `"subject":"` cannot occur in a value.
 */
import type { NdjsonWriter } from '../io/ndjson';

function field(line: string, name: string): string | null {
  const marker = `"${name}":"`;
  const i = line.indexOf(marker);
  if (i < 0) return null;
  const start = i + marker.length;
  let escaped = false;
  for (let k = start; k < line.length; k++) {
    const c = line.charCodeAt(k);
    if (c === 0x5c) {
      escaped = true;
      k++;
    } else if (c === 0x22) {
      const raw = line.slice(start, k);
      return escaped ? (JSON.parse(`"${raw}"`) as string) : raw;
    }
  }
  return null;
}

/** The (tenant, patient) a line belongs to, as `tenant\u0000patient`. */
export function patientOfLine(line: string): string {
  const tenant = field(line, 'tenantid') ?? field(line, 'tenantId');
  const patient = field(line, 'subject') ?? field(line, 'patientId');
  if (tenant === null || patient === null) throw new Error(`a shard file line without a tenant and patient: ${line.slice(0, 80)}...`);
  return `${tenant}\u0000${patient}`;
}

/** Compares (tenant, patient) as the file sort does: tenant first, then patient, UTF-16 code units. */
function cmpPatient(a: string, b: string): number {
  const ia = a.indexOf('\u0000');
  const ib = b.indexOf('\u0000');
  const ta = a.slice(0, ia);
  const tb = b.slice(0, ib);
  if (ta !== tb) return ta < tb ? -1 : 1;
  const pa = a.slice(ia + 1);
  const pb = b.slice(ib + 1);
  return pa < pb ? -1 : pa > pb ? 1 : 0;
}

interface Head {
  shard: number;
  it: AsyncIterator<string>;
  line: string;
  patient: string;
}

/**
 * Writes the merge of `inputs` (one line iterator per shard, in shard order) to `out`. Throws when a
 * patient turns up in two shards (the split was not by patient) or a shard is out of order.
 */
export async function mergeShardLines(inputs: AsyncIterable<string>[], out: NdjsonWriter, labels: string[]): Promise<number> {
  const heads: Head[] = [];
  const advance = async (h: Head): Promise<boolean> => {
    const n = await h.it.next();
    if (n.done) return false;
    const patient = patientOfLine(n.value);
    if (cmpPatient(patient, h.patient) < 0)
      throw new Error(`${labels[h.shard]}: lines out of order (${patient.replace('\u0000', '/')} after ${h.patient.replace('\u0000', '/')})`);
    h.line = n.value;
    h.patient = patient;
    return true;
  };
  for (let i = 0; i < inputs.length; i++) {
    const h: Head = { shard: i, it: inputs[i][Symbol.asyncIterator](), line: '', patient: '' };
    if (await advance(h)) heads.push(h);
  }
  let lines = 0;
  let lastPatient: string | null = null;
  let lastShard = -1;
  while (heads.length) {
    let m = 0;
    for (let i = 1; i < heads.length; i++) {
      const c = cmpPatient(heads[i].patient, heads[m].patient);
      if (c < 0 || (c === 0 && heads[i].shard < heads[m].shard)) m = i;
    }
    const h = heads[m];
    if (h.patient === lastPatient && h.shard !== lastShard) {
      throw new Error(`patient ${h.patient.replace('\u0000', '/')} is in ${labels[lastShard]} and ${labels[h.shard]}: shards must split by patient`);
    }
    lastPatient = h.patient;
    lastShard = h.shard;
    // Copy this shard's run of the same patient in one go.
    const patient = h.patient;
    let more = true;
    while (more && h.patient === patient) {
      const p = out.write(h.line);
      if (p) await p;
      lines++;
      more = await advance(h);
    }
    if (!more) heads.splice(m, 1);
  }
  return lines;
}
