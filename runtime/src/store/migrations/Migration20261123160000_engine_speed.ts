import { Migration } from '@mikro-orm/migrations';

/**
 * The body of `docket_step(p jsonb)`: everything one engine step writes, in order. The
 * document's shape is `StepWrite` in runtime/src/process/persist.ts.
 */
export const DOCKET_STEP_BODY = `
declare
  v_tenant uuid := (p->>'tenant')::uuid;
  v_ticket uuid := (p->>'ticket')::uuid;
  v_now timestamptz := (p->>'now')::timestamptz;
begin
  -- The version-checked ticket update comes first: DKCON (a conflict) before anything is written.
  update ticket set data = coalesce(p->'data', data), receipt = coalesce(p->'receipt', receipt), components = coalesce(p->'components', components),
         status = coalesce(p->>'status', status), status_category = coalesce(p->>'statusCategory', status_category),
         assignee = case when p ? 'assignee' then p->>'assignee' else assignee end, version = version + 1, updated_at = v_now,
         closed_at = case when p ? 'closing' then v_now else closed_at end
   where tenant_id = v_tenant and id = v_ticket and version = (p->>'version')::int;
  if not found then
    raise exception 'ticket % changed since version %', v_ticket, p->>'version' using errcode = 'DKCON';
  end if;

  update process_instance set state = p->'state', status = p->>'processStatus', ended_at = case when p ? 'ended' then v_now else ended_at end
   where tenant_id = v_tenant and ticket_id = v_ticket;

  if p ? 'tasks' then
    insert into task (tenant_id, ticket_id, id, node, name, status, state, outcome, assignee, candidates, collaborators, pool, due_at, created_at, ended_at)
    select v_tenant, v_ticket, x.id, x.node, x.name, x.status, x.state, x.outcome, x.assignee, x.candidates, x.collaborators, x.pool, x.due_at, x.created_at, x.ended_at
      from jsonb_to_recordset(p->'tasks') as x(id text, node text, name text, status text, state text, outcome text, assignee text,
           candidates text[], collaborators text[], pool boolean, due_at timestamptz, created_at timestamptz, ended_at timestamptz)
    on conflict (tenant_id, ticket_id, id) do update set status = excluded.status, state = excluded.state, outcome = excluded.outcome,
           assignee = excluded.assignee, candidates = excluded.candidates, collaborators = excluded.collaborators, pool = excluded.pool,
           due_at = excluded.due_at, ended_at = excluded.ended_at;
  end if;

  if p ? 'cancelTimers' then
    delete from process_timer where tenant_id = v_tenant and ticket_id = v_ticket and owner in (select jsonb_array_elements_text(p->'cancelTimers'));
  end if;
  if p ? 'timers' then
    insert into process_timer (tenant_id, id, ticket_id, timer_key, owner, kind, node, due_at, data, woken_at)
    select v_tenant, x.id, v_ticket, x.timer_key, x.owner, x.kind, x.node, x.due_at, x.data, x.woken_at
      from jsonb_to_recordset(p->'timers') as x(id uuid, timer_key text, owner text, kind text, node text, due_at timestamptz, data jsonb, woken_at timestamptz);
  end if;

  if p ? 'replaceAssignee' then
    delete from ticket_participant where tenant_id = v_tenant and ticket_id = v_ticket and role = 'assignee' and user_id is distinct from p->>'assignee';
  end if;
  if p ? 'participants' then
    insert into ticket_participant (tenant_id, ticket_id, user_id, role)
    select distinct v_tenant, v_ticket, x.user_id, x.role from jsonb_to_recordset(p->'participants') as x(user_id text, role text)
    on conflict do nothing;
  end if;

  if p ? 'outbox' then
    insert into outbox (tenant_id, id, ticket_id, kind, payload)
    select v_tenant, x.id, v_ticket, x.kind, x.payload from jsonb_to_recordset(p->'outbox') as x(id uuid, kind text, payload jsonb);
  end if;

  insert into audit_event (tenant_id, id, at, actor, action, subject, details)
  values (v_tenant, (p->>'auditId')::uuid, v_now, p->>'actor', p->>'action', 'ticket:' || v_ticket, p->'audit');
end`;

/** The columns a command reads: the ticket joined with its process instance. */
export const TICKET_LOAD_SELECT = `select t.id, t.type_key, t.release_number, t.number, t.title, t.status, t.status_category, t.priority, t.assignee, t.creator,
       t.parent_id, t.data, t.receipt, t.components, t.version, p.state, p.status as process_status, p.parent_ticket_id, p.parent_token
  from ticket t left join process_instance p on p.tenant_id = t.tenant_id and p.ticket_id = t.id`;

/**
 * The engine's hot path as two PL/pgSQL functions: `docket_step` writes a step, `docket_ticket_load`
 * reads a ticket for a command. PL/pgSQL keeps its statements' plans for the session, so a step
 * costs no parsing or planning of its ~8 statements; and as one statement a step is atomic
 * without BEGIN/COMMIT round trips. See docs/performance.md (engine).
 */
export class Migration20261123160000_engine_speed extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create function docket_step(p jsonb) returns void language plpgsql as $$
${DOCKET_STEP_BODY} $$;

create function docket_ticket_load(p_tenant uuid, p_id uuid)
  returns table (id uuid, type_key text, release_number integer, number text, title text, status text, status_category text, priority text,
                 assignee text, creator text, parent_id uuid, data jsonb, receipt jsonb, components jsonb, version integer, state jsonb,
                 process_status text, parent_ticket_id uuid, parent_token text)
  language plpgsql stable as $$
#variable_conflict use_column
begin
  return query ${TICKET_LOAD_SELECT} where t.tenant_id = p_tenant and t.id = p_id;
end $$;

-- Index entries every step paid for and no query reads: the task lists' OR (assignee, candidate
-- group, pool, collaborator) cannot use a GIN index, and a ticket's timers are found through the
-- (tenant_id, ticket_id, timer_key) key. A "my tasks" view that needs GIN comes with a query that uses it.
drop index task_open_candidates;
drop index task_open_collaborators;
drop index process_timer_owner;
`);
  }
}
