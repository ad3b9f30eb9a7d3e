import type { Role } from '@docket/runtime/definitions/kinds/role.ts';
import type { TicketType } from '@docket/runtime/definitions/kinds/ticket-type.ts';
import type { EntityManager } from '@mikro-orm/postgresql';

/** The role and ticket-type definitions a tenant's authorization reads, as of one release. */
export interface RoleSet {
  release: number;
  roles: Map<string, Role>;
  ticketTypes: Map<string, TicketType>;
}

const EMPTY = (release: number): RoleSet => ({ release, roles: new Map(), ticketTypes: new Map() });

/**
 * Role definitions of a tenant's newest release, cached per tenant + release number: a
 * release never changes once written, so the cache needs no invalidation, only a bound.
 */
export class RoleCatalog {
  private readonly cache = new Map<string, Promise<RoleSet>>();
  private readonly max: number;
  constructor(max = 200) {
    this.max = max;
  }

  async get(em: EntityManager, tenantId: string, release: number | null): Promise<RoleSet> {
    if (!release) return EMPTY(0);
    const id = `${tenantId}:${release}`;
    let hit = this.cache.get(id);
    if (!hit) {
      hit = load(em, tenantId, release);
      hit.catch(() => this.cache.delete(id));
      if (this.cache.size >= this.max) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(id, hit);
    }
    return hit;
  }
}

async function load(em: EntityManager, tenantId: string, release: number): Promise<RoleSet> {
  const rows = await em.execute<{ kind: string; key: string; body: Record<string, unknown> }[]>(
    `select v.kind, v.key, v.body from release r
       join release_item i on i.tenant_id = r.tenant_id and i.release_id = r.id
       join definition_version v on v.tenant_id = i.tenant_id and v.kind = i.kind and v.key = i.key and v.version = i.version
      where r.tenant_id = ? and r.number = ? and i.kind in ('role', 'ticketType')`,
    [tenantId, release],
  );
  const set = EMPTY(release);
  for (const r of rows) {
    if (r.kind === 'role') set.roles.set(r.key, r.body as unknown as Role);
    else set.ticketTypes.set(r.key, r.body as unknown as TicketType);
  }
  return set;
}

/** The newest release number of a tenant (null before the first publish). */
export async function newestRelease(em: EntityManager, tenantId: string): Promise<number | null> {
  const [row] = await em.execute<{ n: number | null }[]>('select max(number) as n from release where tenant_id = ?', [tenantId]);
  return row?.n ?? null;
}
