import Type, { type Static } from 'typebox';
import { FieldDefSchema } from '../field-types.ts';
import { FieldKey, header, strict } from '../schema-kit.ts';
import { NumberingSchema } from './ticket-type.ts';

/** Generic entities with custom fields: customers, contacts, products, rooms, spare parts… */
export const RecordTypeSchema = Type.Object(
  {
    ...header('recordType'),
    fields: Type.Array(FieldDefSchema, { minItems: 1, maxItems: 500 }),
    titleField: FieldKey,
    numbering: Type.Optional(NumberingSchema),
    uniqueness: Type.Optional(
      Type.Array(
        Type.Object(
          {
            fields: Type.Array(FieldKey, { minItems: 1, uniqueItems: true }),
            scope: Type.Optional(Type.Array(FieldKey, { uniqueItems: true, description: 'Unique within each value of these fields, e.g. per 管理处' })),
          },
          strict,
        ),
      ),
    ),
    listColumns: Type.Optional(Type.Array(FieldKey, { uniqueItems: true })),
  },
  { ...strict, $id: 'recordType' },
);
export type RecordType = Static<typeof RecordTypeSchema>;
