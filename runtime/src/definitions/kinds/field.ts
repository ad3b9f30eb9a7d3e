import Type, { type Static } from 'typebox';
import { FIELD_BEHAVIOUR, FIELD_TYPE_PROPS, SCALAR_FIELD_TYPES, type ScalarFieldType } from '../field-types.ts';
import { Discriminated, header, strict } from '../schema-kit.ts';

/** A reusable field, used in forms as {"key": "phone", "type": "ref", "ref": "<this key>"}; `name` is its label. */
export const FieldSchema = Discriminated(
  'type',
  SCALAR_FIELD_TYPES.map((t) => Type.Object({ ...header('field'), type: Type.Literal(t), ...FIELD_BEHAVIOUR, ...FIELD_TYPE_PROPS[t] }, strict)),
  { $id: 'field' },
);
const FieldHeader = Type.Object({ ...header('field'), ...FIELD_BEHAVIOUR });
/** The common part is typed; type-specific properties are validated by FieldSchema. */
export type ReusableField = Static<typeof FieldHeader> & { type: ScalarFieldType; [prop: string]: unknown };
