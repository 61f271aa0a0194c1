/**
 * The part of the contracts a browser may import: types only, no runtime code (the rest of the
 * library is server code: class-validator, swagger decorators, Buffer). The care dashboard maps
 * `@vigil/contracts` to this file and imports it with `import type`.
 */
export type * from './risk.events';
export type * from './care-views';
export type * from './patient-profile';
export type * from './care-activity.events';
export type * from './worklist-views';
export type * from './dashboard-config';
