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

export function notEditable(paths: string[]): FieldProblem[] {
  return paths.map((p) => problem(p, 'FIELD_NOT_EDITABLE', 'cannot be changed by you here', '当前不可由您修改'));
}
