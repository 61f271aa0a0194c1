// main.ts's FIRST import: the OpenTelemetry instrumentations only patch modules loaded after this.
import { startTracing } from '@vigil/observability';

startTracing({ serviceName: 'timeseries-writer' });
