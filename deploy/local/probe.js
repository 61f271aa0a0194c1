#!/usr/bin/env node
// Readiness probe for deploy/local/infra.sh (also handy on its own).
//
//   node deploy/local/probe.js kafka     --port 9092 [--timeout 180] [--pid 1234]
//   node deploy/local/probe.js cassandra --port 9042 [--timeout 180] [--pid 1234]
//   node deploy/local/probe.js keycloak  --port 8180 [--realm vigil] [--timeout 240] [--pid 1234]
//
// Polls until the server answers a real request (Kafka: kafkajs admin describeCluster;
// Cassandra: cassandra-driver `SELECT release_version FROM system.local`; Keycloak: the realm's
// OpenID Connect discovery document and its JWKS answer with at least one key), then prints one line
// "ready <server> <seconds> <detail>" and exits 0. Exits 1 on timeout, 2 if --pid dies first.
// kafkajs and cassandra-driver are loaded from the repo's node_modules (resolved from this file).
'use strict';
const path = require('node:path');
const { createRequire } = require('node:module');

const repoRoot = path.resolve(__dirname, '..', '..');
const repoRequire = createRequire(path.join(repoRoot, 'package.json'));

function arg(name, dflt) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : dflt;
}
const server = process.argv[2];
const host = arg('host', '127.0.0.1');
const port = Number(arg('port', server === 'kafka' ? 9092 : 9042));
const timeoutMs = Number(arg('timeout', 180)) * 1000;
const pid = arg('pid') ? Number(arg('pid')) : undefined;
const started = Date.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function load(mod) {
  try {
    return repoRequire(mod);
  } catch (e) {
    console.error(`probe: cannot load '${mod}' from ${repoRoot}/node_modules (${e.code || e.message}); run 'npm ci' first`);
    process.exit(3);
  }
}

function alive() {
  if (!pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

async function tryKafka() {
  const { Kafka, logLevel } = load('kafkajs');
  const kafka = new Kafka({
    clientId: 'vigil-infra-probe',
    brokers: [`${host}:${port}`],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: 3000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin({ retry: { retries: 0 } });
  try {
    await admin.connect();
    const c = await admin.describeCluster();
    if (!c.brokers.length || c.controller === null || c.controller === undefined) throw new Error('no controller yet');
    return `cluster=${c.clusterId} brokers=${c.brokers.map((b) => `${b.host}:${b.port}`).join(',')}`;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

async function tryCassandra() {
  const cassandra = load('cassandra-driver');
  const client = new cassandra.Client({
    contactPoints: [`${host}:${port}`],
    localDataCenter: 'datacenter1',
    socketOptions: { connectTimeout: 2000, readTimeout: 5000 },
    isMetadataSyncEnabled: false,
    pooling: { warmup: false },
  });
  try {
    await client.connect();
    const rs = await client.execute('SELECT release_version FROM system.local');
    return `release_version=${rs.first().release_version}`;
  } finally {
    await client.shutdown().catch(() => {});
  }
}

async function tryKeycloak() {
  const realm = arg('realm', 'vigil');
  const get = async (url) => {
    const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
    if (res.status !== 200) throw new Error(`${url}: HTTP ${res.status}`);
    return res.json();
  };
  const discovery = await get(`http://${host}:${port}/realms/${realm}/.well-known/openid-configuration`);
  const jwks = await get(discovery.jwks_uri);
  if (!Array.isArray(jwks.keys) || jwks.keys.length === 0) throw new Error('the JWKS has no keys yet');
  return `issuer=${discovery.issuer} keys=${jwks.keys.length}`;
}

async function main() {
  const attempts = { kafka: tryKafka, cassandra: tryCassandra, keycloak: tryKeycloak };
  const attempt = attempts[server];
  if (!attempt) {
    console.error('usage: probe.js kafka|cassandra|keycloak --port N [--timeout S] [--pid P]');
    process.exit(64);
  }
  let last = 'no attempt';
  while (Date.now() - started < timeoutMs) {
    if (!alive()) {
      console.error(`probe: ${server} process ${pid} exited (last error: ${last})`);
      process.exit(2);
    }
    try {
      const detail = await attempt();
      console.log(`ready ${server} ${((Date.now() - started) / 1000).toFixed(1)} ${detail}`);
      process.exit(0);
    } catch (e) {
      last = (e && e.message) || String(e);
    }
    await sleep(500);
  }
  console.error(`probe: ${server} on ${host}:${port} not ready after ${timeoutMs / 1000}s (last error: ${last})`);
  process.exit(1);
}
main();
