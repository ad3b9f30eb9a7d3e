import { matchesField } from '../process/context.ts';
import type { StepView } from '../process/engine.ts';
import type { ProcessModel } from '../process/model.ts';
import type { TicketTypeSpec } from './ticket-definitions.ts';
import { maskRow, projectValues } from './ticket-form.ts';
import type { ListRow } from './ticket-list.ts';
import type { TicketCaller, TicketListItem } from './tickets-api.ts';

const CLOSED = new Set(['closed', 'cancelled']);
export const iso = (v: string | Date | null | undefined): string | null => (v === null || v === undefined ? null : new Date(v).toISOString());

/**
 * What one caller may see and change of one ticket type: role field permissions, the
 * portal's field list and the current steps' hidden fields, combined in one place.
 */
export class FieldAccess {
  readonly spec: TicketTypeSpec;
  readonly caller: TicketCaller;
  private readonly perms: Record<string, 'hidden' | 'read' | 'edit'>;
  private readonly portalFields: Set<string> | undefined;
  private readonly stepHidden: string[];

  constructor(spec: TicketTypeSpec, caller: TicketCaller, stepHidden: string[] = []) {
    this.spec = spec;
    this.caller = caller;
    this.perms = caller.access.fieldPermissions[spec.key] ?? {};
    this.portalFields = caller.portal ? new Set(spec.type.portal?.fields ?? []) : undefined;
    this.stepHidden = stepHidden;
  }

  /** `data.x`, `receipt.y` or `components.z`: may the caller see it at all? */
  visible(path: string): boolean {
    const [root = '', key = ''] = path.split('.');
    return this.visibleIn(root, key, path);
  }

  /** `visible` for a root (`data`, `receipt`, `components`) and a key; lists call it per field per row. */
  private visibleIn(root: string, key: string, path?: string): boolean {
    if (this.perms[key] === 'hidden' || (this.stepHidden.length > 0 && matchesField(this.stepHidden, path ?? `${root}.${key}`))) return false;
    if (this.portalFields) return root === 'receipt' || (root === 'data' && this.portalFields.has(key));
    return true;
  }

  /** Role permission to write the field (the step decides the rest). */
  writable(path: string): boolean {
    const key = path.split('.')[1] ?? '';
    if (!this.visible(path)) return false;
    if (this.portalFields) return path.startsWith('data.');
    return this.perms[key] !== 'read';
  }

  get masked(): boolean {
    return !this.caller.access.viewSensitive;
  }

  data(values: Record<string, unknown>): Record<string, unknown> {
    return projectValues(this.spec.fields, values, (k) => this.visibleIn('data', k), this.masked);
  }

  receipt(values: Record<string, unknown>): Record<string, unknown> {
    return projectValues(this.spec.receipt, values, (k) => this.visibleIn('receipt', k), this.masked);
  }

  components(values: Record<string, unknown>): Record<string, Record<string, unknown>[]> {
    const out: Record<string, Record<string, unknown>[]> = {};
    for (const [key, rows] of Object.entries(values)) {
      if (!this.visible(`components.${key}`) || !Array.isArray(rows)) continue;
      const spec = this.spec.components.find((c) => c.key === key);
      out[key] = (this.masked && spec ? rows.map((r) => maskRow(spec.fields, r)) : rows) as Record<string, unknown>[];
    }
    return out;
  }

  /** A history change entry as the caller may see it: dropped when the field is hidden, masked when sensitive. */
  change(c: { field: string; before: unknown; after: unknown }): typeof c | undefined {
    if (!/^(data|receipt|components)\./.test(c.field)) return c;
    const path = c.field.split('.').slice(0, 2).join('.');
    if (!this.visible(path)) return undefined;
    if (this.masked && this.spec.sensitive.has(path))
      return { field: c.field, before: c.before == null ? c.before : '****', after: c.after == null ? c.after : '****' };
    return c;
  }
}

/**
 * Paths the caller may edit now: form fields while the ticket is open (role permitting,
 * not hidden or read-only at a current step), plus what a current step the caller can act
 * on makes editable (`tk:fields editable`, e.g. receipt.* at 完成工单).
 */
export function editablePaths(access: FieldAccess, statusCategory: string, steps: StepView[], model: ProcessModel | undefined): string[] {
  const { caller, spec } = access;
  if (!caller.access.canUpdate || caller.portal) return [];
  const out = new Set<string>();
  if (!CLOSED.has(statusCategory)) {
    for (const f of spec.fields) {
      if (f.type === 'computed' || f.readOnly === true) continue;
      if (access.writable(`data.${f.key}`)) out.add(`data.${f.key}`);
    }
    for (const c of spec.components) if (access.writable(`components.${c.key}`)) out.add(`components.${c.key}`);
  }
  for (const step of steps) {
    if (step.actions.length === 0) continue;
    const patterns = model?.nodes.get(step.node)?.task?.fields.editable ?? [];
    const all = [
      ...spec.fields.map((f) => `data.${f.key}`),
      ...spec.receipt.map((f) => `receipt.${f.key}`),
      ...spec.components.map((c) => `components.${c.key}`),
    ];
    for (const p of all) if (matchesField(patterns, p) && access.writable(p)) out.add(p);
  }
  return [...out].sort();
}

/** A list row as the caller may see it. */
export function listItem(row: Omit<ListRow, 'sort_value'>, access: FieldAccess): TicketListItem {
  return {
    id: row.id,
    number: row.number,
    type: row.type_key,
    title: row.title,
    status: row.status,
    statusCategory: row.status_category,
    priority: row.priority,
    assignee: row.assignee,
    registrant: row.creator,
    team: row.team,
    orgUnit: row.org_unit,
    customerId: row.customer_id,
    createdAt: iso(row.created_at) as string,
    updatedAt: iso(row.updated_at) as string,
    dueAt: iso(row.due_at),
    data: access.data(row.data ?? {}),
  };
}
