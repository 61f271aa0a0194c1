import { Writable } from 'node:stream';
import { fmtEta, fmtRate, Progress, resolveProgressMode } from './progress';

class Sink extends Writable {
  text = '';
  override _write(c: Buffer, _e: BufferEncoding, cb: () => void): void {
    this.text += c.toString();
    cb();
  }
}

describe('progress', () => {
  it('is a bar on a terminal and lines otherwise, unless forced', () => {
    expect(resolveProgressMode('auto', true)).toBe('bar');
    expect(resolveProgressMode('auto', false)).toBe('lines');
    expect(resolveProgressMode('none', true)).toBe('none');
  });

  it('plain lines carry count, rate, percentage and ETA, at most one per interval', () => {
    let now = 0;
    const sink = new Sink();
    const p = new Progress({ mode: 'lines', stream: sink, lineIntervalMs: 1000, now: () => now });
    p.start('reading', 1000);
    now = 500;
    p.tick(100);
    now = 1000;
    p.tick(100);
    now = 1200;
    p.tick(100);
    p.done();
    const lines = sink.text.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/reading: 200\/1,000 events, 200\/s, 20%, ETA 0:04$/);
    expect(lines[2]).toMatch(/reading: 300 events in 1\.2 s \(250\/s\)/);
  });

  it('on a terminal, cli-progress draws one line with phase, bar, percentage, events, rate and ETA', () => {
    let now = 0;
    const sink = Object.assign(new Sink(), { isTTY: true, columns: 120 });
    const p = new Progress({ mode: 'bar', stream: sink, now: () => now });
    p.start('scoring', 200, 'check-ins');
    now = 1000;
    p.tick(50);
    p.note('a note between bar redraws');
    now = 2000;
    p.tick(50);
    p.done('10 patients');
    // Redraws go back to the start of the line (CSI G) instead of scrolling.
    expect(sink.text).toContain('\x1b[1G');
    expect(sink.text).toMatch(/scoring \[[█░]{24}\] 0% \| 0\/200 check-ins \| 0\/s \| ETA /);
    // The last frame before the bar is taken down, then the phase's final line.
    expect(sink.text).toMatch(/scoring \[[█░]{24}\] 50% \| 100\/200 check-ins \| 50\/s \| ETA \S+/);
    expect(sink.text).toContain('a note between bar redraws\n');
    expect(sink.text.endsWith('scoring: 100 check-ins in 2.0 s (50/s), 10 patients\n')).toBe(true);
  });

  it('a bar without a known total shows events and rate only', () => {
    let now = 0;
    const sink = Object.assign(new Sink(), { isTTY: true, columns: 120 });
    const p = new Progress({ mode: 'bar', stream: sink, now: () => now });
    p.start('reading the archive', undefined, 'rows');
    now = 500;
    p.tick(1234);
    p.clear();
    expect(sink.text).toContain('reading the archive | 1,234 rows | 2468/s');
    expect(sink.text).not.toContain('%');
  });

  it('formats rates and ETAs', () => {
    expect(fmtRate(23_456)).toBe('23.5k/s');
    expect(fmtRate(0)).toBe('0/s');
    expect(fmtEta(3725)).toBe('1:02:05');
    expect(fmtEta(Infinity)).toBe('--:--');
  });
});
