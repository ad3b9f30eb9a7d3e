import type { RolePermission, RuleInput } from '../forms/index.ts';
import type { TicketTypeSpec } from './ticket-definitions.ts';
import { type FieldProblem, problem } from './ticket-form.ts';
import { isUuid } from './ticket-rows.ts';
import type { TicketCaller } from './tickets-api.ts';

/** The rule context around a form check besides the form itself (create and update happen outside a step). */
export function formContext(caller: TicketCaller, ticket: RuleInput['ticket'], extra: Pick<RuleInput, 'data' | 'receipt'> = {}): RuleInput {
  const a = caller.actor;
  return { ...extra, ticket, user: { id: a.id, roles: a.roles ?? [], teams: a.teams ?? [], posts: a.posts ?? [], orgUnit: a.orgUnits?.[0] ?? null } };
}

/** Role field permissions for the forms module; a portal caller may fill the portal fields only. */
export function rolePermissions(spec: TicketTypeSpec, caller: TicketCaller): Record<string, RolePermission> {
  const perms: Record<string, RolePermission> = { ...(caller.access.fieldPermissions[spec.key] ?? {}) };
  if (caller.portal) {
    const allowed = new Set(spec.type.portal?.fields ?? []);
    for (const f of spec.fields) if (!allowed.has(f.key)) perms[f.key] = 'hidden';
    for (const c of spec.components) perms[c.key] = 'hidden';
  }
  return perms;
}

/** Checks the ticket's own columns (not form fields) a create or update sets. */
export function systemProblems(input: {
  title?: string | undefined;
  description?: string | undefined;
  priority?: string | undefined;
  customerId?: string | null | undefined;
  productId?: string | null | undefined;
  team?: string | undefined;
  orgUnit?: string | undefined;
  channel?: string | undefined;
}): FieldProblem[] {
  const out: FieldProblem[] = [];
  const text = (field: string, v: unknown, max: number) => {
    if (v === undefined) return;
    if (typeof v !== 'string') out.push(problem(field, 'FIELD_TYPE', 'must be a string', '必须是文本'));
    else if (v.length > max) out.push(problem(field, 'FIELD_TOO_LONG', `must be at most ${max} characters`, `最多 ${max} 个字符`));
  };
  text('title', input.title, 500);
  text('description', input.description, 100_000);
  text('priority', input.priority, 50);
  text('team', input.team, 120);
  text('orgUnit', input.orgUnit, 120);
  text('channel', input.channel, 50);
  for (const f of ['customerId', 'productId'] as const) {
    const v = input[f];
    if (v !== undefined && v !== null && !isUuid(v)) out.push(problem(f, 'FIELD_TYPE', 'must be a record id', '必须是记录 ID'));
  }
  return out;
}

/**
 * The priority must be an item of the type's `priorities` dictionary; a disabled item may be
 * kept by a ticket that has it but not newly chosen. Types without the dictionary take any text.
 */
export function priorityProblems(spec: TicketTypeSpec, value: string | undefined, stored?: string | null): FieldProblem[] {
  const dictionary = spec.type.priorities ? spec.dictionaries.get(spec.type.priorities) : undefined;
  if (!dictionary || typeof value !== 'string' || value === stored) return [];
  const item = dictionary.find((i) => i.value === value);
  const known = dictionary.filter((i) => !i.disabled).map((i) => i.value);
  if (!item)
    return [problem('priority', 'FIELD_OPTION', `has no option "${value}" (one of: ${known.join(', ')})`, `没有选项 "${value}"（可选：${known.join('、')}）`)];
  if (item.disabled) return [problem('priority', 'FIELD_OPTION_DISABLED', `option "${value}" is no longer available`, `选项 "${value}" 已停用`)];
  return [];
}

export function notEditable(paths: string[]): FieldProblem[] {
  return paths.map((p) => problem(p, 'FIELD_NOT_EDITABLE', 'cannot be changed by you here', '当前不可由您修改'));
}
