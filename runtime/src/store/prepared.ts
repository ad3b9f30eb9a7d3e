import { createHash } from 'node:crypto';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';

/** The slice of a `pg` pool this module uses (MikroORM's own pool, from `getNativeClient()`). */
interface NativePool {
  query(config: { name?: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

interface Statement {
  name: string;
  text: string;
}

/** ORMs whose reads may be prepared, by driver (shared by every fork of the ORM's EntityManager). */
const pools = new WeakMap<object, NativePool>();
const statements = new Map<string, Statement>();
const MAX_STATEMENTS = 2000;

/**
 * Lets `readRows` prepare statements on this ORM's connections. Only for a real PostgreSQL
 * server: on the embedded database every pooled connection is the same session, so
 * statement names one connection prepares would collide on the next.
 */
export async function enablePreparedReads(orm: MikroORM): Promise<void> {
  const pool = (await orm.em.getConnection().getNativeClient()) as unknown as NativePool;
  pools.set(orm.em.getDriver(), pool);
}

/**
 * A read on the hot path (lists, ticket detail, the session lookup). Outside a transaction on
 * PostgreSQL it runs as a named prepared statement: parsed and planned once per connection
 * (a generic plan after five runs) instead of planned on every request, which is most of
 * the cost of a short query. `?` placeholders as in `em.execute`; inside a transaction, or
 * on the embedded database, it is `em.execute`.
 */
export async function readRows<T>(em: EntityManager, sql: string, params: readonly unknown[]): Promise<T[]> {
  const pool = em.getTransactionContext() ? undefined : pools.get(em.getDriver());
  if (!pool) return em.execute<T[]>(sql, [...params]);
  const statement = prepare(sql, params.length);
  const values = params.map(toValue);
  try {
    return (await pool.query({ name: statement.name, text: statement.text, values })).rows as T[];
  } catch (e) {
    // A migration changed what a prepared statement returns ("cached plan must not change result
    // type"): this run goes unnamed; the connection re-prepares after it is recycled.
    if ((e as { code?: string }).code === '0A000') return (await pool.query({ text: statement.text, values })).rows as T[];
    throw e;
  }
}

/**
 * `?` → `$n` with `em.execute`'s own rules, so both paths read a statement alike: every `?` is a
 * value (quotes are not looked into), `\\?` is a literal question mark, and a statement
 * without values is sent as written.
 */
function prepare(sql: string, values: number): Statement {
  const key = `${values}:${sql}`;
  let s = statements.get(key);
  if (s) return s;
  let text = sql;
  if (values > 0) {
    let n = 0;
    text = '';
    for (let i = 0; i < sql.length; i++) {
      const ch = sql[i] as string;
      if (ch === '\\' && sql[i + 1] === '?') {
        text += '?';
        i++;
      } else if (ch === '?') {
        if (sql[i + 1] === '?') throw new Error('readRows does not take ?? identifiers');
        text += `$${++n}`;
      } else text += ch;
    }
  }
  s = { name: `dk_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`, text };
  if (statements.size >= MAX_STATEMENTS) statements.clear();
  statements.set(key, s);
  return s;
}

/** Values as `em.execute` would inline them: dates as ISO text, objects as JSON. */
function toValue(v: unknown): unknown {
  if (v === undefined) return null;
  if (v instanceof Date) return v.toISOString();
  if (v !== null && typeof v === 'object' && !Buffer.isBuffer(v) && !Array.isArray(v)) return JSON.stringify(v);
  return v;
}
