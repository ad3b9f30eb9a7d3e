export type { GraphqlRecords } from './context.ts';
export { DEFAULT_LIMITS, limitRules, type QueryLimits } from './limits.ts';
export { type GraphqlOptions, graphqlPlugin } from './plugin.ts';
export { SCHEMA } from './schema.ts';
