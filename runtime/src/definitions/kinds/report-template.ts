import Type, { type Static } from 'typebox';
import { header, Key, StringEnum, strict } from '../schema-kit.ts';

/** An uploaded xlsx/docx with Carbone tags; the file lives beside this JSON. */
export const ReportTemplateSchema = Type.Object(
  {
    ...header('reportTemplate'),
    file: Type.String({ pattern: '^[\\w\\p{L}][\\w\\p{L} .()-]*\\.(xlsx|docx)$', description: 'File name beside the JSON' }),
    ticketTypes: Type.Array(Key, { minItems: 1, uniqueItems: true }),
    output: StringEnum(['xlsx', 'docx', 'pdf'] as const),
    scope: Type.Optional(StringEnum(['ticket', 'list'] as const)),
  },
  { ...strict, $id: 'reportTemplate' },
);
export type ReportTemplate = Static<typeof ReportTemplateSchema>;
