export * from './definitions/index.ts';
export * from './errors.ts';
export * from './jobs/index.ts';
export * from './store/index.ts';
