import { Migration } from '@mikro-orm/migrations';

/**
 * Every signed-in request looks up its session with the user's memberships. As a PL/pgSQL
 * function the plan of that five-subquery statement is kept per connection instead of being
 * made again for each request (values are inlined by the ORM, so nothing else caches it).
 */
export class Migration20261123170000_session_lookup extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create function docket_session_identity(p_tenant uuid, p_hash text, p_idle_ms double precision)
  returns table (session_id uuid, csrf_token text, stale boolean, tenant_id uuid, id uuid, email text, name text, status text,
                 roles text[], contact_id uuid, manager_id uuid, must_change_password boolean, teams text[], org_units text[],
                 org_unit_tree text[], posts text[], release integer)
  language plpgsql stable as $$
#variable_conflict use_column
begin
  return query
  select s.id, s.csrf_token, s.last_seen_at < now() - interval '1 minute', u.tenant_id, u.id, u.email, u.name, u.status,
         u.roles::text[], u.contact_id, u.manager_id, u.must_change_password,
         array(select tm.team from team_member tm where tm.tenant_id = u.tenant_id and tm.user_id = u.id order by 1)::text[],
         array(select om.org_unit from org_unit_member om where om.tenant_id = u.tenant_id and om.user_id = u.id order by 1)::text[],
         array(select distinct d.key from org_unit_member om
                 join org_unit o on o.tenant_id = om.tenant_id and o.key = om.org_unit
                 join org_unit d on d.tenant_id = o.tenant_id and left(d.path, length(o.path)) = o.path
                where om.tenant_id = u.tenant_id and om.user_id = u.id order by 1)::text[],
         array(select up.post from user_post up where up.tenant_id = u.tenant_id and up.user_id = u.id order by 1)::text[],
         (select max(r.number) from release r where r.tenant_id = u.tenant_id)::integer
    from user_session s join app_user u on u.tenant_id = s.tenant_id and u.id = s.user_id
   where s.tenant_id = p_tenant and s.token_hash = p_hash and s.revoked_at is null and s.expires_at > now()
     and s.last_seen_at > now() - (p_idle_ms * interval '1 millisecond') and u.status = 'active';
end $$;
`);
  }
}
