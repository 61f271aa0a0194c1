/** Injection tokens of the writer's runtime objects (built in writer.app.ts, handed to WriterModule). */
export const CASSANDRA_CLIENT = Symbol('CASSANDRA_CLIENT');
