import type { Logger } from './logger';
import { ThrottledWarning } from './throttled-warning';

/** A fake of the logger port: records (level, fields, msg). */
function recorder() {
  const lines: { level: string; fields: Record<string, unknown>; msg: string }[] = [];
  const at = (level: string) => (fields: Record<string, unknown>, msg: string) => void lines.push({ level, fields, msg });
  return { lines, logger: { warn: at('warn'), info: at('info') } as unknown as Logger };
}

describe('ThrottledWarning', () => {
  it('warns at most once per interval and counts what it held back', () => {
    let t = 1_000;
    const { lines, logger } = recorder();
    const w = new ThrottledWarning(logger, 100, () => t);
    w.warn({ error: 'a' }, 'down');
    t += 50;
    w.warn({ error: 'b' }, 'down');
    w.warn({ error: 'c' }, 'down');
    t += 50;
    w.warn({ error: 'd' }, 'down');
    expect(lines).toEqual([
      { level: 'warn', fields: { error: 'a', suppressed: 0 }, msg: 'down' },
      { level: 'warn', fields: { error: 'd', suppressed: 2 }, msg: 'down' },
    ]);
  });

  it('with an infinite interval warns once per outage; recovered() reports the end once and re-arms', () => {
    const { lines, logger } = recorder();
    const w = new ThrottledWarning(logger, Infinity, () => 0);
    w.recovered({}, 'up'); // nothing was wrong: silent
    w.warn({}, 'down');
    w.warn({}, 'down');
    w.recovered({}, 'up');
    w.recovered({}, 'up');
    w.warn({}, 'down');
    expect(lines.map((l) => `${l.level}:${l.msg}:${String(l.fields['suppressed'])}`)).toEqual(['warn:down:0', 'info:up:1', 'warn:down:0']);
  });
});
