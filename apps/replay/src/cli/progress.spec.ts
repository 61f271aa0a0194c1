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

  it('the bar redraws one line with events, rate and ETA', () => {
    let now = 0;
    const sink = new Sink();
    const p = new Progress({ mode: 'bar', stream: sink, redrawMs: 100, barWidth: 10, now: () => now });
    p.start('scoring', 200, 'check-ins');
    now = 1000;
    p.tick(50);
    expect(sink.text).toContain('\r\x1b[2Kscoring [##........]  25% | 50/200 check-ins | 50/s | ETA 0:03');
    p.done();
    expect(sink.text.endsWith('scoring: 50 check-ins in 1.0 s (50/s)\n')).toBe(true);
  });

  it('formats rates and ETAs', () => {
    expect(fmtRate(23_456)).toBe('23.5k/s');
    expect(fmtRate(0)).toBe('0/s');
    expect(fmtEta(3725)).toBe('1:02:05');
    expect(fmtEta(Infinity)).toBe('--:--');
  });
});
