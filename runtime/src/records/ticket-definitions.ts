import type { EntityManager } from '@mikro-orm/postgresql';
import type { FieldDef } from '../definitions/field-types.ts';
import type { DictionaryItem } from '../definitions/kinds/dictionary.ts';
import type { ReusableField } from '../definitions/kinds/field.ts';
import type { TicketType } from '../definitions/kinds/ticket-type.ts';
import { NotFoundError } from '../errors.ts';
import type { ComponentDef } from '../forms/index.ts';

/** One value-holding field as the ticket service sees it: `ref` fields resolved to their reusable definition. */
export interface FieldSpec {
  key: string;
  type: string;
  required?: unknown;
  visible?: unknown;
  readOnly?: unknown;
  default?: unknown;
  sensitive: boolean;
  searchable: boolean;
  /** Type-specific configuration (maxLength, options, accept …). */
  props: Record<string, unknown>;
  /** Sub-table columns. */
  columns?: FieldSpec[];
}

export interface ComponentSpec {
  key: string;
  rows: 'single' | 'multiple';
  minRows?: number;
  maxRows?: number;
  fields: FieldSpec[];
}

/** A ticket type as one release pins it, with everything a write or a read needs resolved. */
export interface TicketTypeSpec {
  release: number;
  key: string;
  type: TicketType;
  fields: FieldSpec[];
  receipt: FieldSpec[];
  components: ComponentSpec[];
  /** `data.x`, `receipt.y`, `components.z.col` paths whose values are masked without viewSensitive. */
  sensitive: Set<string>;
  /** What the forms module validates with: reusable fields, the type's component definitions, dictionaries. */
  fieldDefs: Map<string, ReusableField>;
  componentDefs: Map<string, ComponentDef>;
  dictionaries: Map<string, DictionaryItem[]>;
}

interface ItemRow {
  kind: string;
  key: string;
  body: Record<string, unknown>;
}

const ITEMS = `select ri.kind, ri.key, dv.body
  from release r
  join release_item ri on ri.tenant_id = r.tenant_id and ri.release_id = r.id
  join definition_version dv on dv.tenant_id = ri.tenant_id and dv.kind = ri.kind and dv.key = ri.key and dv.version = ri.version
 where r.tenant_id = ? and r.number = ? and ri.kind in ('ticketType', 'component', 'field', 'dictionary')`;

const COMMON = new Set(['key', 'type', 'label', 'help', 'placeholder', 'default', 'required', 'visible', 'readOnly', 'sensitive', 'searchable', 'unique']);

function resolveField(def: FieldDef, fields: Map<string, Record<string, unknown>>): FieldSpec | undefined {
  const raw = def as unknown as Record<string, unknown>;
  if (raw.type === 'section') return undefined;
  let merged = raw;
  if (raw.type === 'ref') {
    const base = fields.get(raw.ref as string);
    if (!base) return undefined;
    // The form may override presentation and rules; type, sensitivity and configuration come from the field.
    merged = { ...base, ...Object.fromEntries(Object.entries(raw).filter(([k, v]) => v !== undefined && k !== 'type' && k !== 'ref')) };
  }
  const props = Object.fromEntries(Object.entries(merged).filter(([k]) => !COMMON.has(k) && k !== 'fields' && k !== 'name' && k !== 'kind'));
  const spec: FieldSpec = {
    key: raw.key as string,
    type: merged.type as string,
    sensitive: merged.sensitive === true,
    searchable: merged.searchable === true,
    props,
  };
  for (const k of ['required', 'visible', 'readOnly', 'default'] as const) if (merged[k] !== undefined) spec[k] = merged[k];
  if (merged.type === 'subTable') {
    spec.columns = ((merged.fields as FieldDef[]) ?? []).map((c) => resolveField(c, fields)).filter((c): c is FieldSpec => Boolean(c));
  }
  return spec;
}

type SpecBase = Pick<TicketTypeSpec, 'fields' | 'receipt' | 'components'>;

function sensitivePaths(spec: SpecBase): Set<string> {
  const out = new Set<string>();
  const walk = (root: string, fields: FieldSpec[]) => {
    for (const f of fields) {
      if (f.sensitive) out.add(`${root}.${f.key}`);
      if (f.columns) walk(`${root}.${f.key}`, f.columns);
    }
  };
  walk('data', spec.fields);
  walk('receipt', spec.receipt);
  for (const c of spec.components) walk(`components.${c.key}`, c.fields);
  return out;
}

/**
 * Ticket types as releases pin them. Published versions never change, so an entry is
 * cached for the life of the process (like the engine's ProcessCatalog).
 */
export class TicketTypeCatalog {
  private readonly cache = new Map<string, Promise<Map<string, TicketTypeSpec>>>();

  async get(em: EntityManager, tenantId: string, release: number, typeKey: string): Promise<TicketTypeSpec> {
    const spec = (await this.release(em, tenantId, release)).get(typeKey);
    if (!spec) throw new NotFoundError(`there is no ticket type "${typeKey}"`, { ticketType: typeKey, release });
    return spec;
  }

  /** Every ticket type of a release. */
  release(em: EntityManager, tenantId: string, release: number): Promise<Map<string, TicketTypeSpec>> {
    const key = `${tenantId}|${release}`;
    let entry = this.cache.get(key);
    if (!entry) {
      entry = this.load(em, tenantId, release);
      entry.catch(() => this.cache.delete(key));
      this.cache.set(key, entry);
    }
    return entry;
  }

  private async load(em: EntityManager, tenantId: string, release: number): Promise<Map<string, TicketTypeSpec>> {
    const rows = await em.execute<ItemRow[]>(ITEMS, [tenantId, release]);
    const fields = new Map(rows.filter((r) => r.kind === 'field').map((r) => [r.key, r.body]));
    const components = new Map(rows.filter((r) => r.kind === 'component').map((r) => [r.key, r.body]));
    const fieldDefs = new Map(rows.filter((r) => r.kind === 'field').map((r) => [r.key, r.body as unknown as ReusableField]));
    const dictionaries = new Map(rows.filter((r) => r.kind === 'dictionary').map((r) => [r.key, (r.body.items ?? []) as DictionaryItem[]]));
    const resolve = (defs: FieldDef[] | undefined) => (defs ?? []).map((d) => resolveField(d, fields)).filter((f): f is FieldSpec => Boolean(f));
    const out = new Map<string, TicketTypeSpec>();
    for (const r of rows.filter((x) => x.kind === 'ticketType')) {
      const type = r.body as unknown as TicketType;
      const base = {
        release,
        key: r.key,
        type,
        fields: resolve(type.form.fields),
        receipt: resolve(type.receiptForm?.fields),
        components: (type.components ?? []).flatMap((k): ComponentSpec[] => {
          const c = components.get(k);
          if (!c) return [];
          return [
            {
              key: k,
              rows: c.rows as 'single' | 'multiple',
              ...(typeof c.minRows === 'number' ? { minRows: c.minRows } : {}),
              ...(typeof c.maxRows === 'number' ? { maxRows: c.maxRows } : {}),
              fields: resolve(c.fields as FieldDef[]),
            },
          ];
        }),
      };
      const componentDefs = new Map(
        (type.components ?? []).flatMap((k) => (components.has(k) ? [[k, components.get(k) as unknown as ComponentDef] as const] : [])),
      );
      out.set(r.key, { ...base, sensitive: sensitivePaths(base), fieldDefs, componentDefs, dictionaries });
    }
    return out;
  }
}
