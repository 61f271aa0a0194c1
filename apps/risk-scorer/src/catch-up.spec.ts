import { caughtUpTo } from './catch-up';

describe('caughtUpTo', () => {
  const ends = [
    { partition: 0, high: '10', low: '0' },
    { partition: 1, high: '5', low: '5' },
  ];

  it('needs every partition committed up to the end offsets read earlier', () => {
    expect(caughtUpTo(ends, [{ partition: 0, offset: '10' }])).toBe(true);
    expect(
      caughtUpTo(ends, [
        { partition: 0, offset: '12' },
        { partition: 1, offset: '-1' },
      ]),
    ).toBe(true);
    expect(caughtUpTo(ends, [{ partition: 0, offset: '9' }])).toBe(false);
    expect(caughtUpTo(ends, [{ partition: 0, offset: '-1' }])).toBe(false);
  });

  it('needs nothing of an empty partition', () => {
    expect(caughtUpTo([{ partition: 3, high: '0', low: '0' }], [])).toBe(true);
  });
});
