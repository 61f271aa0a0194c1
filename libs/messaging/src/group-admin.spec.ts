import { committedLag } from './group-admin';

describe('committedLag', () => {
  it('is end minus committed per partition, from the start where nothing is committed', () => {
    const ends = [
      { partition: 0, low: '0', high: '73' },
      { partition: 1, low: '10', high: '64' },
    ];
    expect(committedLag(ends, [{ partition: 0, offset: '70' }])).toBe(3 + 54);
    expect(
      committedLag(ends, [
        { partition: 0, offset: '73' },
        { partition: 1, offset: '64' },
      ]),
    ).toBe(0);
  });

  it('counts an empty partition (committed -1, end 0) as caught up', () => {
    const ends = [
      { partition: 0, low: '0', high: '73' },
      { partition: 2, low: '0', high: '0' },
    ];
    expect(
      committedLag(ends, [
        { partition: 0, offset: '73' },
        { partition: 2, offset: '-1' },
      ]),
    ).toBe(0);
    expect(committedLag(ends, [{ partition: 0, offset: '-1' }])).toBe(73);
  });
});
