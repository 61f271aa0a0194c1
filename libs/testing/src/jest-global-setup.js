// Integration and e2e runs need the real servers. deploy/local/infra.sh up is idempotent,
// so the test command brings them up once per run before jest starts; this only checks.
module.exports = async () => {};
