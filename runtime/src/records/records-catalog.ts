import type { EntityManager } from '@mikro-orm/postgresql';
import type { ScalarFieldType } from '../definitions/field-types.ts';
import type { DictionaryItem } from '../definitions/kinds/dictionary.ts';
import type { ReusableField } from '../definitions/kinds/field.ts';
import type { RecordType } from '../definitions/kinds/record-type.ts';
import { NotFoundError, StateError } from '../errors.ts';

/**
 * A value-holding field of a record type, `ref` fields resolved to their reusable
 * definition. The common part is typed; type-specific properties were validated at publish.
 */
export type RecordField = Omit<ReusableField, 'kind' | 'name' | 'version'> & {
  key: string;
  type: ScalarFieldType | 'subTable';
  label?: Record<string, string>;
  multiple?: boolean;
  recordType?: string;
  dictionary?: string;
};

export interface UniqueConstraint {
  /** Stable across releases while the fields stay the same, e.g. `code@orgUnit`. */
  name: string;
  fields: string[];
  scope: string[];
}

/** What writing records of one type under one release needs, computed once per release. */
export interface RecordTypeRuntime {
  release: number;
  key: string;
  definition: RecordType;
  fields: Map<string, RecordField>;
  unique: UniqueConstraint[];
  sensitive: Set<string>;
  /** Items of the dictionaries the fields use, as the same release pins them. */
  dictionaries: Map<string, DictionaryItem[]>;
}

const ITEM = `select ri.kind, ri.key, dv.body
  from release r
  join release_item ri on ri.tenant_id = r.tenant_id and ri.release_id = r.id
  join definition_version dv on dv.tenant_id = ri.tenant_id and dv.kind = ri.kind and dv.key = ri.key and dv.version = ri.version
 where r.tenant_id = ? and r.number = ? and ri.kind = ? and ri.key in (select jsonb_array_elements_text(?::jsonb))`;

/** The tenant's newest release number (records always validate against it). */
export async function newestRelease(em: EntityManager, tenantId: string): Promise<number> {
  const [row] = await em.execute<{ number: number | null }[]>('select max(number) as number from release where tenant_id = ?', [tenantId]);
  if (!row?.number) throw new StateError('NO_RELEASE', 'Nothing has been published yet: publish the record types first');
  return row.number;
}

export function constraintName(fields: readonly string[], scope: readonly string[]): string {
  return scope.length ? `${fields.join(',')}@${scope.join(',')}` : fields.join(',');
}

/** Field-level `unique: true` and type-level `uniqueness` entries, one constraint per distinct field set. */
function constraintsOf(def: RecordType, fields: Map<string, RecordField>): UniqueConstraint[] {
  const all = [
    ...[...fields.values()].filter((f) => f.unique).map((f) => ({ fields: [f.key], scope: [] as string[] })),
    ...(def.uniqueness ?? []).map((u) => ({ fields: u.fields, scope: u.scope ?? [] })),
  ];
  const byName = new Map<string, UniqueConstraint>();
  for (const u of all) byName.set(constraintName(u.fields, u.scope), { name: constraintName(u.fields, u.scope), ...u });
  return [...byName.values()];
}

/**
 * Record types as pinned by a release. Published versions never change, so entries are
 * cached for the life of the process, like the process catalog's ticket types.
 */
export class RecordTypeCatalog {
  private readonly entries = new Map<string, Promise<RecordTypeRuntime>>();

  get(em: EntityManager, tenantId: string, release: number, typeKey: string): Promise<RecordTypeRuntime> {
    const key = `${tenantId}|${release}|${typeKey}`;
    let entry = this.entries.get(key);
    if (!entry) {
      entry = this.load(em, tenantId, release, typeKey);
      entry.catch(() => this.entries.delete(key));
      this.entries.set(key, entry);
    }
    return entry;
  }

  private async load(em: EntityManager, tenantId: string, release: number, typeKey: string): Promise<RecordTypeRuntime> {
    const [row] = await em.execute<{ body: RecordType }[]>(ITEM, [tenantId, release, 'recordType', JSON.stringify([typeKey])]);
    if (!row) throw new NotFoundError(`There is no record type "${typeKey}"`, { recordType: typeKey, release });
    const def = row.body;
    // FieldDef's static type is too deep for the checker; the stored body was validated at publish.
    const defFields = def.fields as unknown as ({ key: string; type: string; ref?: string } & Record<string, unknown>)[];
    const refs = defFields.filter((f) => f.type === 'ref').map((f) => f.ref as string);
    const reusable = new Map<string, Record<string, unknown>>();
    if (refs.length) {
      const rows = await em.execute<{ key: string; body: Record<string, unknown> }[]>(ITEM, [tenantId, release, 'field', JSON.stringify(refs)]);
      for (const r of rows) reusable.set(r.key, r.body);
    }
    const fields = new Map<string, RecordField>();
    for (const f of defFields) {
      if (f.type === 'section') continue;
      if (f.type === 'ref') {
        // A use of a reusable field: its type and configuration, with the use's own overrides on top.
        const { kind: _k, key: _key, name, version: _v, ...base } = reusable.get(f.ref as string) ?? {};
        const { ref: _r, type: _t, ...overrides } = f;
        fields.set(f.key, { label: name, ...base, ...overrides } as unknown as RecordField);
      } else fields.set(f.key, f as unknown as RecordField);
    }
    const dictionaryKeys = [...new Set([...fields.values()].map((f) => f.dictionary).filter((k): k is string => typeof k === 'string'))];
    const dictionaries = new Map<string, DictionaryItem[]>();
    if (dictionaryKeys.length) {
      const rows = await em.execute<{ key: string; body: { items: DictionaryItem[] } }[]>(ITEM, [
        tenantId,
        release,
        'dictionary',
        JSON.stringify(dictionaryKeys),
      ]);
      for (const r of rows) dictionaries.set(r.key, r.body.items);
    }
    return {
      release,
      key: typeKey,
      dictionaries,
      definition: def,
      fields,
      unique: constraintsOf(def, fields),
      sensitive: new Set([...fields.values()].filter((f) => f.sensitive).map((f) => f.key)),
    };
  }
}
