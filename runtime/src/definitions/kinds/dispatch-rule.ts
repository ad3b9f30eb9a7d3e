import Type, { type Static } from 'typebox';
import { header, Key, Rule, StringEnum, strict } from '../schema-kit.ts';

/** Automatic dispatch: the first matching rule picks the target and the strategy. */
export const DispatchRuleSchema = Type.Object(
  {
    ...header('dispatchRule'),
    ticketTypes: Type.Array(Key, { minItems: 1, uniqueItems: true }),
    enabled: Type.Optional(Type.Boolean()),
    rules: Type.Array(
      Type.Object(
        {
          when: Rule,
          target: Type.Object({ type: StringEnum(['user', 'team', 'post', 'orgUnit', 'pool'] as const), ref: Type.String({ minLength: 1 }) }, strict),
          strategy: StringEnum(['roundRobin', 'leastLoaded', 'skill', 'nearest', 'grab'] as const),
        },
        strict,
      ),
      { minItems: 1 },
    ),
  },
  { ...strict, $id: 'dispatchRule' },
);
export type DispatchRule = Static<typeof DispatchRuleSchema>;
