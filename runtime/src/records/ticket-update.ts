import type { EntityManager } from '@mikro-orm/postgresql';
import { StateError } from '../errors.ts';
import { addAudit, Batch, type Change } from '../process/persist.ts';
import type { TicketTypeSpec } from './ticket-definitions.ts';
import { linkFormFiles } from './ticket-files.ts';
import { checkForm, type FieldProblem, maskRow, throwIfProblems } from './ticket-form.ts';
import { formContext, notEditable, priorityProblems, rolePermissions, systemProblems } from './ticket-input.ts';
import { type DetailRow, refreshSearchTokens } from './ticket-rows.ts';
import type { TicketCaller, TicketUpdateInput } from './tickets-api.ts';

export interface TicketUpdate {
  row: DetailRow;
  spec: TicketTypeSpec;
  /** Paths the caller may edit now (editablePaths). */
  editable: Set<string>;
  caller: TicketCaller;
  input: TicketUpdateInput;
  now: Date;
  timeZone: string;
}

const SYSTEM = [
  ['title', 'title'],
  ['description', 'description'],
  ['priority', 'priority'],
  ['customerId', 'customer_id'],
  ['productId', 'product_id'],
] as const;

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * Applies one update inside the caller's transaction, on a row already locked and
 * version-checked: only editable fields, values validated, audit diff masked, search
 * tokens refreshed. Returns the changed paths (empty: nothing written).
 */
export async function updateInTransaction(em: EntityManager, tenantId: string, u: TicketUpdate): Promise<string[]> {
  const { row, spec, input } = u;
  const dataIn = input.data ?? {};
  const componentsIn = input.components ?? {};
  const known = new Set([...spec.fields.map((f) => `data.${f.key}`), ...spec.components.map((c) => `components.${c.key}`)]);
  const paths = [...Object.keys(dataIn).map((k) => `data.${k}`), ...Object.keys(componentsIn).map((k) => `components.${k}`)];
  const form = checkForm(spec, {
    target: 'data',
    mode: 'update',
    values: dataIn,
    stored: row.data,
    components: componentsIn,
    storedComponents: row.components,
    rolePermissions: rolePermissions(spec, u.caller),
    context: formContext(u.caller, { id: row.id, type: row.type_key, ...(row.number ? { number: row.number } : {}) }, { receipt: row.receipt }),
    timeZone: u.timeZone,
    now: u.now,
  });
  // Both the step rule and the role rule may refuse one field: report it once.
  const seen = new Set<string>();
  const problems = [
    ...systemProblems(input),
    ...priorityProblems(spec, input.priority, row.priority),
    ...notEditable(paths.filter((p) => known.has(p) && !u.editable.has(p))),
    ...form.problems,
  ].filter((p: FieldProblem) => {
    const key = `${p.pointer}|${p.code}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  throwIfProblems(problems);
  const data = form.values;
  const components = { ...row.components, ...form.components };

  const current: Record<string, unknown> = {
    title: row.title,
    description: row.description,
    priority: row.priority,
    customerId: row.customer_id,
    productId: row.product_id,
  };
  const next = { ...current };
  for (const [key] of SYSTEM) if (input[key] !== undefined) next[key] = input[key];
  const titleField = spec.type.titleField;
  if (titleField && titleField in dataIn) next.title = dataIn[titleField] ?? null;

  const changes: Change[] = [];
  for (const [key] of SYSTEM) if (!same(current[key], next[key])) changes.push({ field: key, before: current[key] ?? null, after: next[key] ?? null });
  if (changes.length && ['closed', 'cancelled'].includes(row.status_category)) {
    throw new StateError('TICKET_CLOSED', 'a closed or cancelled ticket cannot be changed');
  }
  // The audit never holds a sensitive value: masked whatever the caller may see.
  const mask = (path: string, v: unknown) => (v === undefined || v === null ? null : spec.sensitive.has(path) ? '****' : v);
  for (const k of new Set([...Object.keys(row.data), ...Object.keys(data)])) {
    if (!same(row.data[k], data[k])) changes.push({ field: `data.${k}`, before: mask(`data.${k}`, row.data[k]), after: mask(`data.${k}`, data[k]) });
  }
  for (const k of Object.keys(form.components)) {
    if (same(row.components[k], components[k])) continue;
    const columns = spec.components.find((c) => c.key === k)?.fields ?? [];
    const masked = (rows: unknown) => (Array.isArray(rows) ? rows.map((r) => maskRow(columns, r)) : (rows ?? null));
    changes.push({ field: `components.${k}`, before: masked(row.components[k]), after: masked(components[k]) });
  }
  if (changes.length === 0) return [];

  await em.execute(
    `update ticket set data = ?::jsonb, components = ?::jsonb, title = ?, description = ?, priority = ?, customer_id = ?::uuid, product_id = ?::uuid,
            version = version + 1, updated_at = ? where tenant_id = ? and id = ?`,
    [
      JSON.stringify(data),
      JSON.stringify(components),
      next.title ?? null,
      next.description ?? null,
      next.priority ?? null,
      next.customerId ?? null,
      next.productId ?? null,
      u.now,
      tenantId,
      row.id,
    ],
  );
  await linkFormFiles(em, tenantId, row.id, spec.fields, data, u.caller.actor.id);
  if (changes.some((c) => c.field === 'title' || c.field === 'description')) await refreshSearchTokens(em, tenantId, row.id);
  const audit = new Batch();
  addAudit(audit, tenantId, row.id, u.caller.actor.id, 'ticket.update', u.now, { changes, events: [] });
  await audit.run(em);
  return changes.map((c) => c.field);
}
