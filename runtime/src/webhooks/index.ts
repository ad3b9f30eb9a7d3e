export * from './deliveries.ts';
export * from './events.ts';
export * from './schemas.ts';
export * from './service.ts';
export * from './target.ts';
export * from './worker.ts';
