import Type, { type TSchema } from 'typebox';

/**
 * Building blocks shared by every definition kind. `x-code` annotations tell the
 * validator which stable issue code to report when the value fails the schema.
 */
export const LOCALE_PATTERN = '^[a-z]{2,3}(-[A-Z][a-zA-Z]{1,3})?$';
export const KEY_PATTERN = '^(?:[a-z][a-z0-9-]{0,39}:)?[a-zA-Z][a-zA-Z0-9_-]{0,79}$';
export const FIELD_KEY_PATTERN = '^[a-zA-Z][a-zA-Z0-9_]{0,63}$';
// ISO 8601 durations without years/months (calendar-length units make deadlines ambiguous).
export const DURATION_PATTERN = '^P(?!$)(\\d+W)?(\\d+D)?(T(?=\\d)(\\d+H)?(\\d+M)?(\\d+S)?)?$';

export const I18nText = Type.Record(Type.String({ pattern: LOCALE_PATTERN }), Type.String({ minLength: 1, maxLength: 2000 }), {
  additionalProperties: false,
  minProperties: 1,
  'x-code': 'DEF_INVALID_I18N_TEXT',
  description: 'Text per locale, e.g. {"zh-CN": "维修工单", "en": "Repair work order"}',
});

/** A definition key; plugin definitions carry a namespace: `field-service:repair`. */
export const Key = Type.String({ pattern: KEY_PATTERN, maxLength: 120, 'x-code': 'DEF_INVALID_KEY' });
export const FieldKey = Type.String({ pattern: FIELD_KEY_PATTERN, 'x-code': 'DEF_INVALID_FIELD_KEY' });
export const Duration = Type.String({ pattern: DURATION_PATTERN, 'x-code': 'DEF_INVALID_DURATION' });
export const TimeZone = Type.String({ minLength: 1, maxLength: 64, 'x-timezone': true });
export const LocalTime = Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$|^24:00$', description: 'HH:mm' });
export const LocalDate = Type.String({ format: 'date', description: 'YYYY-MM-DD' });
export const RegexSource = Type.String({ maxLength: 1000, 'x-regex': true });

/** A json-logic rule over the rule context (see rule-context.ts). Checked by the `x-rule` keyword. */
export const Rule = Type.Unsafe<unknown>({ 'x-rule': true, description: 'json-logic rule over the rule context' });
/** Like Rule, but the rule may also read `record` (the candidate record of a record filter). */
export const RecordFilterRule = Type.Unsafe<unknown>({ 'x-rule': 'record', description: 'json-logic filter over candidate records' });

/** Properties every definition document has. */
export function header<K extends string>(kind: K) {
  return {
    kind: Type.Literal(kind),
    key: Key,
    name: I18nText,
    description: Type.Optional(I18nText),
    version: Type.Optional(Type.Integer({ minimum: 1, description: 'Optimistic-concurrency check only: the server assigns versions' })),
  };
}

export const strict = { additionalProperties: false } as const;

/** A closed set of strings (reported as DEF_INVALID_VALUE with the allowed values). */
export function StringEnum<const T extends readonly string[]>(values: T, options: Record<string, unknown> = {}) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

/** A union whose members are told apart by `prop`; ajv picks the member, so errors stay precise. */
export function Discriminated<T extends TSchema[]>(prop: string, members: [...T], options: Record<string, unknown> = {}) {
  return Type.Unsafe<import('typebox').Static<import('typebox').TUnion<T>>>({
    type: 'object',
    discriminator: { propertyName: prop },
    oneOf: members,
    ...options,
  });
}
