/**
 * Splits a CQL script into statements at `;`, ignoring semicolons inside string literals
 * ('...' with '' escapes, $$...$$), quoted identifiers ("...") and comments (--, //, /* *\/).
 * Comments are dropped; empty statements are skipped.
 */
export function splitCql(script: string): string[] {
  const out: string[] = [];
  let cur = '';
  let i = 0;
  const n = script.length;
  const push = () => {
    const s = cur.trim();
    if (s) out.push(s);
    cur = '';
  };
  while (i < n) {
    const c = script[i];
    const next = script[i + 1];
    if ((c === '-' && next === '-') || (c === '/' && next === '/')) {
      while (i < n && script[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && next === '*') {
      const end = script.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
      cur += ' ';
      continue;
    }
    if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < n) {
        if (script[j] === c) {
          if (script[j + 1] === c) {
            j += 2;
            continue;
          }
          break;
        }
        j++;
      }
      if (j >= n) throw new Error(`unterminated ${c === "'" ? 'string' : 'identifier'} in CQL at offset ${i}`);
      cur += script.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (c === '$' && next === '$') {
      const end = script.indexOf('$$', i + 2);
      if (end < 0) throw new Error(`unterminated $$ string in CQL at offset ${i}`);
      cur += script.slice(i, end + 2);
      i = end + 2;
      continue;
    }
    if (c === ';') {
      push();
      i++;
      continue;
    }
    cur += c;
    i++;
  }
  push();
  return out;
}
