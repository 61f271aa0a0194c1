/**
 * Whether a consumer group has applied everything that was on a topic at some earlier moment:
 * on every partition, the committed offset (the next record it will read) has reached the end
 * offset read then. An empty partition (end = start) needs nothing. Offsets are int64 decimal strings.
 */
export function caughtUpTo(
  endsThen: readonly { partition: number; high: string; low: string }[],
  committed: readonly { partition: number; offset: string }[],
): boolean {
  const done = new Map(committed.map((p) => [p.partition, BigInt(p.offset)]));
  return endsThen.every((p) => {
    const high = BigInt(p.high);
    const c = done.get(p.partition) ?? -1n;
    return high <= BigInt(p.low) || c >= high;
  });
}
