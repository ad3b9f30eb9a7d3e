import { Migration } from '@mikro-orm/migrations';
import { documentTokens, pgTextArray } from '../../records/search.ts';

/**
 * Portal search must not see internal comments: a resident searching for a word that only an
 * internal comment holds would learn it was written about their ticket. Tickets with internal
 * comments keep a second token list without them (`public_search_tokens`; null, for every other
 * ticket, means "the same as search_tokens", so adding it rewrites no rows). Portal searches
 * read it; it needs no index of its own: a portal caller's scope is their own few tickets.
 */
export class Migration20261123180000_public_search extends Migration {
  override async up(): Promise<void> {
    await this.execute('alter table ticket add column public_search_tokens text[]');
    type Row = { tenant_id: string; id: string; number: string | null; title: string | null; description: string | null; bodies: string[] };
    // Only tickets with internal comments, a thousand at a time in key order.
    let after: [string, string] = ['00000000-0000-0000-0000-000000000000', '00000000-0000-0000-0000-000000000000'];
    for (;;) {
      const rows = (await this.execute(
        `select t.tenant_id, t.id, t.number, t.title, t.description,
                array(select c.body from ticket_comment c where c.tenant_id = t.tenant_id and c.ticket_id = t.id and c.visibility = 'public' order by c.created_at) as bodies
           from ticket t
          where (t.tenant_id, t.id) > (?::uuid, ?::uuid)
            and exists (select 1 from ticket_comment c where c.tenant_id = t.tenant_id and c.ticket_id = t.id and c.visibility = 'internal')
          order by t.tenant_id, t.id limit 1000`,
        after,
      )) as Row[];
      for (const r of rows) {
        const tokens = documentTokens(r.number, r.title, r.description, ...r.bodies);
        await this.execute('update ticket set public_search_tokens = ?::text[] where tenant_id = ? and id = ?', [pgTextArray(tokens), r.tenant_id, r.id]);
      }
      const last = rows.at(-1);
      if (!last || rows.length < 1000) break;
      after = [last.tenant_id, last.id];
    }
  }
}
