import Type, { type Static, type TSchema } from 'typebox';
import { header, I18nText, strict } from '../schema-kit.ts';

export const MAX_DICTIONARY_DEPTH = 8;

function item(depth: number): TSchema {
  return Type.Object(
    {
      value: Type.String({ minLength: 1, maxLength: 200 }),
      label: I18nText,
      disabled: Type.Optional(Type.Boolean({ description: 'Hidden from new choices; items in use are disabled, never deleted' })),
      color: Type.Optional(Type.String({ pattern: '^#[0-9a-fA-F]{6}$' })),
      attributes: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'Extra data, e.g. a service item time limit' })),
      ...(depth > 1 ? { children: Type.Optional(Type.Array(item(depth - 1), { maxItems: 5000 })) } : {}),
    },
    strict,
  );
}

export interface DictionaryItem {
  value: string;
  label: Record<string, string>;
  disabled?: boolean;
  color?: string;
  attributes?: Record<string, unknown>;
  children?: DictionaryItem[];
}

/** Option lists and trees (e.g. the multi-level service item tree). */
export const DictionarySchema = Type.Object(
  {
    ...header('dictionary'),
    tree: Type.Optional(Type.Boolean()),
    items: Type.Array(item(MAX_DICTIONARY_DEPTH), { maxItems: 20000 }),
  },
  { ...strict, $id: 'dictionary' },
);
export type Dictionary = Omit<Static<typeof DictionarySchema>, 'items'> & { items: DictionaryItem[] };
