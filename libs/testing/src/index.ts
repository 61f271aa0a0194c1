export * from './cassandra';
export * from './redis';
export * from './private-server';
export * from './kafka';
export * from './wait';
export * from './raw-http';
export * from './keycloak';
