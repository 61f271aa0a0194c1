/**
 * Consumer-group timing shared by every consumer (README "Group settings": what each costs).
 *
 * - sessionTimeoutMs: how long the coordinator waits for a silent member before giving its
 *   partitions to others. It bounds how long a SIGKILLed member's partitions stay unconsumed, and
 *   how long a stalled member (GC or event-loop pause, a frozen host) may go without heartbeats
 *   before it is thrown out. 8 s (kafkajs and Kafka's classic default: 30 s; the broker's minimum
 *   `group.min.session.timeout.ms` is 6 s).
 * - heartbeatIntervalMs: 1 s, an eighth of the session: seven heartbeats may be lost or late before the
 *   member is dropped. The transport also heartbeats during handler runs and backoff sleeps.
 * - rebalanceTimeoutMs: how long a rebalance waits for the members to rejoin (live ones finish the
 *   message in flight and commit first). A member that does not, a dead one included, is dropped
 *   then: this, not the session, is what a replacement and a consumer rejoining after a broker
 *   restart wait for. 3 s (kafkajs: 60 s).
 * - restart: backoff of recreating a consumer that crashed for good (kafkajs restarts it itself after
 *   retriable errors, within CLIENT_RETRY's 1 s cap). 250 ms doubling to 2 s (was 0.5 s to 30 s).
 */
export const GROUP_DEFAULTS = {
  sessionTimeoutMs: 8_000,
  heartbeatIntervalMs: 1_000,
  rebalanceTimeoutMs: 3_000,
  restart: { initialMs: 250, maxMs: 2_000 },
} as const;
