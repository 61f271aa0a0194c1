// Must be main.ts's FIRST import: the instrumentations can only patch modules loaded after this runs.
import { startTracing } from '@vigil/observability';

startTracing({ serviceName: 'ingest-api' });
