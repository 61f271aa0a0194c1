export * from './errors';
export * from './verify';
export * from './mint';
export * from './dev-keys';
export * from './nest';
export * from './env';
export * from './claim-mapping';
