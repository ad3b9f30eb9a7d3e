export * from './file-objects.ts';
export * from './open.ts';
export * from './s3.ts';
export * from './sniff.ts';
