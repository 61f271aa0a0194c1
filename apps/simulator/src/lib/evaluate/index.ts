export * from './classify';
export * from './metrics';
export * from './replay-patient';
export * from './capacity';
export * from './evaluate';
export * from './report';
