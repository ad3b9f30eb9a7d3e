import type { EntityManager } from '@mikro-orm/postgresql';
import { fromKysely, type KyselyTransactionLike } from 'pg-boss';
import { DocketError } from '../errors.ts';

/**
 * Runs SQL with PostgreSQL `$1`-style bind parameters. pg-boss writes a job through one of these
 * when it is handed one, so the job row commits or rolls back with that transaction.
 */
export interface SqlExecutor {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

/**
 * The open transaction of `em` (inside `em.transactional(async (em) => …)`) as a SqlExecutor.
 *
 * Not `em.execute()`: MikroORM inlines `?` parameters into the SQL text and does not understand
 * `$1`. Its transaction context is a Kysely transaction, which sends pg-boss's SQL and values to
 * the driver untouched, on the transaction's own connection. On the embedded database that is
 * what keeps a send from waiting for a second connection the open transaction blocks.
 */
export function executorFor(em: EntityManager): SqlExecutor {
  const trx = em.getTransactionContext<KyselyTransactionLike>();
  if (!trx) {
    throw new DocketError('JOB_NOT_IN_TRANSACTION', 'executorFor needs the EntityManager of an open transaction (inside em.transactional)');
  }
  return fromKysely(trx);
}
