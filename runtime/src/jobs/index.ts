export * from './executor.ts';
export * from './queue.ts';
