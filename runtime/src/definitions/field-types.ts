import Type, { type TProperties } from 'typebox';
import { Discriminated, FieldKey, I18nText, Key, LocalDate, RecordFilterRule, RegexSource, Rule, StringEnum, strict } from './schema-kit.ts';

/**
 * The field-type catalog as the meta-model sees it: each type's configuration
 * properties. Value schemas, server validation and Formily components per type live
 * in runtime/src/forms (the forms issue); the names here are the contract.
 */
const Option = Type.Object(
  {
    value: Type.String({ minLength: 1, maxLength: 200 }),
    label: I18nText,
    disabled: Type.Optional(Type.Boolean()),
    color: Type.Optional(Type.String({ pattern: '^#[0-9a-fA-F]{6}$' })),
  },
  strict,
);
const choice = { options: Type.Optional(Type.Array(Option, { minItems: 1, maxItems: 1000 })), dictionary: Type.Optional(Key) };
const Decimal = Type.String({ pattern: '^-?\\d{1,15}(\\.\\d{1,6})?$', description: 'decimal as a string' });
const Currency = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code, e.g. CNY' });
const DateBound = Type.Union([LocalDate, Type.Literal('today')]);

/** Configuration properties per field type (beyond the common ones). */
export const FIELD_TYPE_PROPS = {
  text: {
    minLength: Type.Optional(Type.Integer({ minimum: 0 })),
    maxLength: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })),
    pattern: Type.Optional(RegexSource),
    patternMessage: Type.Optional(I18nText),
  },
  textarea: {
    minLength: Type.Optional(Type.Integer({ minimum: 0 })),
    maxLength: Type.Optional(Type.Integer({ minimum: 1, maximum: 100000 })),
    rows: Type.Optional(Type.Integer({ minimum: 1, maximum: 40 })),
  },
  richText: { maxLength: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000000 })) },
  number: {
    min: Type.Optional(Type.Number()),
    max: Type.Optional(Type.Number()),
    precision: Type.Optional(Type.Integer({ minimum: 0, maximum: 10 })),
    unit: Type.Optional(I18nText),
  },
  money: {
    currency: Type.Optional(Currency),
    min: Type.Optional(Decimal),
    max: Type.Optional(Decimal),
    precision: Type.Optional(Type.Integer({ minimum: 0, maximum: 6 })),
  },
  date: { min: Type.Optional(DateBound), max: Type.Optional(DateBound) },
  datetime: { min: Type.Optional(DateBound), max: Type.Optional(DateBound), minuteStep: Type.Optional(Type.Integer({ minimum: 1, maximum: 60 })) },
  time: { minuteStep: Type.Optional(Type.Integer({ minimum: 1, maximum: 60 })) },
  dateRange: { withTime: Type.Optional(Type.Boolean()), maxDays: Type.Optional(Type.Integer({ minimum: 1 })) },
  select: { ...choice },
  multiSelect: { ...choice, minItems: Type.Optional(Type.Integer({ minimum: 0 })), maxItems: Type.Optional(Type.Integer({ minimum: 1 })) },
  radio: { ...choice },
  checkbox: { ...choice, minItems: Type.Optional(Type.Integer({ minimum: 0 })), maxItems: Type.Optional(Type.Integer({ minimum: 1 })) },
  cascader: { dictionary: Key, leafOnly: Type.Optional(Type.Boolean()), multiple: Type.Optional(Type.Boolean()) },
  treeSelect: { dictionary: Key, leafOnly: Type.Optional(Type.Boolean()), multiple: Type.Optional(Type.Boolean()) },
  switch: {},
  rating: { max: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })), allowHalf: Type.Optional(Type.Boolean()) },
  phone: { mobileOnly: Type.Optional(Type.Boolean()) },
  email: {},
  idNumber: {},
  address: { level: Type.Optional(StringEnum(['province', 'city', 'district'] as const)), withDetail: Type.Optional(Type.Boolean()) },
  location: {},
  user: { multiple: Type.Optional(Type.Boolean()), roles: Type.Optional(Type.Array(Key)) },
  team: { multiple: Type.Optional(Type.Boolean()) },
  orgUnit: { multiple: Type.Optional(Type.Boolean()) },
  recordRef: { recordType: Key, multiple: Type.Optional(Type.Boolean()), filter: Type.Optional(RecordFilterRule) },
  attachment: {
    accept: Type.Optional(Type.Array(Type.String({ pattern: '^[a-z*]+/[a-zA-Z0-9.+*-]+$|^\\.[a-zA-Z0-9]+$' }), { minItems: 1 })),
    maxFiles: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    maxSizeMb: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 2048 })),
  },
  signature: {},
  serialNumber: { pattern: Type.String({ minLength: 1, maxLength: 100 }) },
  computed: { expression: Rule, valueType: StringEnum(['number', 'money', 'text', 'boolean', 'date'] as const) },
} satisfies Record<string, TProperties>;

export type ScalarFieldType = keyof typeof FIELD_TYPE_PROPS;
/** Types that hold no value of their own. */
export const LAYOUT_FIELD_TYPES = ['section'] as const;
export const FIELD_TYPES = [...Object.keys(FIELD_TYPE_PROPS), 'subTable', 'section', 'ref'] as const;
export const CHOICE_FIELD_TYPES = new Set(['select', 'multiSelect', 'radio', 'checkbox']);

/** What every value-holding field may say, whatever its type. */
export const FIELD_BEHAVIOUR = {
  help: Type.Optional(I18nText),
  placeholder: Type.Optional(I18nText),
  default: Type.Optional(Type.Unknown({ description: 'Default value (a value, not a rule)' })),
  required: Type.Optional(Rule),
  visible: Type.Optional(Rule),
  readOnly: Type.Optional(Rule),
  sensitive: Type.Optional(Type.Boolean({ description: 'Masked in lists, exports and audit diffs for roles without the permission' })),
  searchable: Type.Optional(Type.Boolean({ description: 'Indexed so lists can filter on it' })),
  unique: Type.Optional(Type.Boolean({ description: 'Record types only: value unique within the tenant' })),
};

function inlineVariant(type: string, props: TProperties) {
  return Type.Object({ key: FieldKey, type: Type.Literal(type), label: I18nText, ...FIELD_BEHAVIOUR, ...props }, strict);
}
export const SCALAR_FIELD_TYPES = Object.keys(FIELD_TYPE_PROPS) as ScalarFieldType[];
const scalarVariants = SCALAR_FIELD_TYPES.map((t) => inlineVariant(t, FIELD_TYPE_PROPS[t]));

const SectionField = Type.Object(
  {
    key: FieldKey,
    type: Type.Literal('section'),
    label: Type.Optional(I18nText),
    visible: Type.Optional(Rule),
    style: Type.Optional(StringEnum(['title', 'divider'] as const)),
  },
  strict,
);
/** Use of a reusable `field` definition, optionally overriding its presentation and rules. */
const RefField = Type.Object(
  {
    key: FieldKey,
    type: Type.Literal('ref'),
    ref: Key,
    label: Type.Optional(I18nText),
    help: Type.Optional(I18nText),
    placeholder: Type.Optional(I18nText),
    default: Type.Optional(Type.Unknown()),
    required: Type.Optional(Rule),
    visible: Type.Optional(Rule),
    readOnly: Type.Optional(Rule),
  },
  strict,
);
/** A field that may stand inside a sub-table (no nesting of tables). */
const ColumnFieldDefUnion = Discriminated('type', [...scalarVariants, RefField], { $id: 'ColumnFieldDef' });
export const ColumnFieldDef = Type.Unsafe<import('typebox').Static<typeof ColumnFieldDefUnion>>({ $ref: 'ColumnFieldDef' });
const SubTableField = Type.Object(
  {
    key: FieldKey,
    type: Type.Literal('subTable'),
    label: I18nText,
    help: Type.Optional(I18nText),
    required: Type.Optional(Rule),
    visible: Type.Optional(Rule),
    readOnly: Type.Optional(Rule),
    fields: Type.Array(ColumnFieldDef, { minItems: 1, maxItems: 100 }),
    minRows: Type.Optional(Type.Integer({ minimum: 0 })),
    maxRows: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })),
  },
  strict,
);
const FieldDefUnion = Discriminated('type', [...scalarVariants, SubTableField, SectionField, RefField], { $id: 'FieldDef' });
export type FieldDef = import('typebox').Static<typeof FieldDefUnion>;
/** Forms refer to the field union by $ref, so ajv compiles it once rather than at every use. */
export const FieldDefSchema = Type.Unsafe<FieldDef>({ $ref: 'FieldDef' });
/** Schemas the validator registers before compiling kinds. */
export const SHARED_SCHEMAS = [ColumnFieldDefUnion, FieldDefUnion];

export const FormSchema = Type.Object(
  {
    fields: Type.Array(FieldDefSchema, { maxItems: 1000 }),
    layout: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'Formily layout produced by the form designer' })),
  },
  strict,
);
export type Form = import('typebox').Static<typeof FormSchema>;
