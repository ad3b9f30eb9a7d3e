import Type, { type Static } from 'typebox';
import { FieldDefSchema } from '../field-types.ts';
import { FieldKey, header, StringEnum, strict } from '../schema-kit.ts';

/** An add-on component (附加组件): a block of fields with one row or many, attached to ticket types. */
export const ComponentSchema = Type.Object(
  {
    ...header('component'),
    rows: StringEnum(['single', 'multiple'] as const),
    minRows: Type.Optional(Type.Integer({ minimum: 0 })),
    maxRows: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })),
    fields: Type.Array(FieldDefSchema, { minItems: 1, maxItems: 300 }),
    summaryFields: Type.Optional(Type.Array(FieldKey, { uniqueItems: true, description: 'Columns shown in the ticket view' })),
    category: Type.Optional(Type.String({ maxLength: 100, description: 'Module library group, e.g. logistics' })),
  },
  { ...strict, $id: 'component' },
);
export type Component = Static<typeof ComponentSchema>;
