// Integration and e2e tests need the real servers; the test command (scripts/test-all.sh)
// starts them with deploy/local/infra.sh before jest. Fail fast, with the fix, if they are not there.
const net = require('net');

function reachable(host, port, timeoutMs = 2000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

module.exports = async () => {
  const servers = [
    ['Kafka', process.env.KAFKA_BROKERS || '127.0.0.1:9092'],
    ['Cassandra', process.env.CASSANDRA_CONTACT_POINTS || '127.0.0.1:9042'],
    ['Redis', (process.env.REDIS_URL || 'redis://127.0.0.1:6379').replace(/^rediss?:\/\//, '')],
  ];
  const missing = [];
  for (const [name, address] of servers) {
    const [host, port] = address.split(',')[0].split(':');
    if (!(await reachable(host, Number(port)))) missing.push(`${name} at ${host}:${port}`);
  }
  if (missing.length) {
    throw new Error(`Servers not reachable: ${missing.join(', ')}. Start them with: bash deploy/local/infra.sh up`);
  }
};
