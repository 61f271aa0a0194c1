import type { Logger } from '@vigil/observability';

/** The service logger: @vigil/observability's pino logger (JSON, PHI keys redacted, request and trace ids). */
export type AppLogger = Logger;
