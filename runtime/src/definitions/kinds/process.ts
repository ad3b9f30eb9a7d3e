import Type, { type Static } from 'typebox';
import { Key, strict } from '../schema-kit.ts';

/**
 * A process: one executable BPMN 2.0 process, stored byte-for-byte as uploaded.
 * In a folder it is processes/<key>.bpmn; through the API it travels as this envelope.
 * Its display name is the BPMN process's own `name` attribute.
 */
export const ProcessSchema = Type.Object(
  {
    kind: Type.Literal('process'),
    key: Key,
    version: Type.Optional(Type.Integer({ minimum: 1 })),
    bpmn: Type.String({ minLength: 1, maxLength: 5_000_000, description: 'BPMN 2.0 XML' }),
  },
  { ...strict, $id: 'process' },
);
export type ProcessDefinition = Static<typeof ProcessSchema>;
