// Docker HEALTHCHECK for the Vigil images: GET /health/live (or the path given as the first
// argument, e.g. /health/ready in docker/compose.yaml) on the service's own port.
// Plain Node (global fetch, Node >= 18), so the image needs no curl or wget.
// Kubernetes ignores this and uses its own probes (deploy/k8s); compose and `docker run` use it.
'use strict';

const port = process.env.PORT || process.env.HEALTH_PORT;
if (!port) {
  // A one-shot image (migrate) serves no HTTP: there is nothing to probe.
  process.exit(0);
}
const path = process.argv[2] || process.env.HEALTH_PATH || '/health/live';
fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(2500) })
  .then((res) => process.exit(res.ok ? 0 : 1))
  .catch(() => process.exit(1));
