import { Migration } from '@mikro-orm/migrations';

/**
 * One row per (user, ticket) the user takes part in, in ticket-creation order: a technician
 * with thousands of tickets lists the newest page of "my tickets" by walking an index range
 * instead of joining all of them (ticket_participant has a row per role, in no useful order).
 * Kept by a trigger on ticket_participant, so every writer of participants keeps it right.
 */
export class Migration20261123153000_ticket_member extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table ticket_member (
  tenant_id uuid not null,
  user_id text not null,
  ticket_id uuid not null,
  created_at timestamptz not null,
  primary key (tenant_id, user_id, ticket_id),
  foreign key (tenant_id, ticket_id) references ticket (tenant_id, id)
);
create index ticket_member_recent on ticket_member (tenant_id, user_id, created_at desc, ticket_id desc);

create function docket_ticket_member() returns trigger language plpgsql as $$
begin
  if tg_op = 'INSERT' then
    insert into ticket_member (tenant_id, user_id, ticket_id, created_at)
      select new.tenant_id, new.user_id, new.ticket_id, t.created_at from ticket t where t.tenant_id = new.tenant_id and t.id = new.ticket_id
      on conflict do nothing;
    return new;
  end if;
  if not exists (select 1 from ticket_participant p where p.tenant_id = old.tenant_id and p.ticket_id = old.ticket_id and p.user_id = old.user_id) then
    delete from ticket_member where tenant_id = old.tenant_id and user_id = old.user_id and ticket_id = old.ticket_id;
  end if;
  return old;
end $$;
create trigger ticket_participant_member after insert or delete on ticket_participant
  for each row execute function docket_ticket_member();

insert into ticket_member (tenant_id, user_id, ticket_id, created_at)
  select distinct p.tenant_id, p.user_id, p.ticket_id, t.created_at
    from ticket_participant p join ticket t on t.tenant_id = p.tenant_id and t.id = p.ticket_id;
`);
  }
}
