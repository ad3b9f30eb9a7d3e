import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { TicketTypeCatalog } from './ticket-definitions.ts';
import { dataColumn } from './ticket-filters.ts';

const catalog = new TicketTypeCatalog();

/**
 * Expression indexes for the searchable form fields of the newest release's ticket types,
 * on exactly the expressions list filters use (ticket-filters.ts `dataColumn`). Index
 * builds take time on big tables: run it from a job after a publish, never inside one.
 * Returns the index names it made sure of.
 */
export async function ensureSearchIndexes(em: EntityManager, tenantId: string, options: { concurrently?: boolean } = {}): Promise<string[]> {
  const [r] = await em.execute<{ number: number | null }[]>('select max(number) as number from release where tenant_id = ?', [tenantId]);
  if (!r?.number) return [];
  const wanted = new Map<string, string>();
  for (const spec of (await catalog.release(em, tenantId, r.number)).values()) {
    for (const f of spec.fields) {
      if (!f.searchable || f.type === 'subTable' || f.type === 'attachment') continue;
      const col = dataColumn(f);
      if (col.kind === 'list') continue;
      // The key passed FIELD_KEY_PATTERN in dataColumn; the name is a hash so long keys and kinds fit in 63 characters.
      const expr = col.sql.replaceAll('t.data', 'data');
      const name = `ticket_sx_${createHash('sha256').update(expr).digest('hex').slice(0, 16)}`;
      wanted.set(name, expr);
    }
  }
  for (const [name, expr] of wanted) {
    if (options.concurrently) {
      // PostgreSQL: build without blocking writes (outside any transaction). A build that failed
      // half-way leaves an invalid index that "if not exists" would keep: drop it and build again.
      await em
        .execute(`select 1 from pg_index i join pg_class c on c.oid = i.indexrelid where c.relname = ? and not i.indisvalid`, [name])
        .then((invalid) => (invalid.length ? em.execute(`drop index concurrently if exists ${name}`) : undefined));
      await em.execute(`create index concurrently if not exists ${name} on ticket (tenant_id, ${expr})`);
    } else await em.execute(`create index if not exists ${name} on ticket (tenant_id, ${expr})`);
  }
  return [...wanted.keys()].sort();
}

/** How much each add-on component is used: tickets with at least one row, and rows in total. */
export async function componentUsage(em: EntityManager, tenantId: string): Promise<{ component: string; tickets: number; rows: number }[]> {
  const rows = await em.execute<{ component: string; tickets: string | number; rows: string | number }[]>(
    `select c.key as component, count(*) as tickets, sum(jsonb_array_length(c.value)) as rows
       from ticket t, jsonb_each(t.components) c
      where t.tenant_id = ? and jsonb_typeof(c.value) = 'array' and jsonb_array_length(c.value) > 0
      group by c.key order by c.key`,
    [tenantId],
  );
  return rows.map((r) => ({ component: r.component, tickets: Number(r.tickets), rows: Number(r.rows) }));
}
