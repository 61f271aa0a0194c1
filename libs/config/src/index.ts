export * from './load-config';
export * from './schemas';
export { z } from 'zod';
export { forEachLimit, type ForEachLimitOptions } from './bounded';
