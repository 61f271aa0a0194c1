/**
 * The one mapping between the wire contracts and the risk engine, and the scorer's event ids:
 * shared by apps/risk-scorer (live) and apps/replay (rescore) so that both give the same events.
 */
export * from './ids';
export * from './mapping';
export * from './state-codec';
