import type { EntityManager } from '@mikro-orm/postgresql';
import { InputError } from '../errors.ts';
import { addAudit, Batch, type Change } from '../process/persist.ts';
import type { FieldSpec } from './ticket-definitions.ts';
import type { TicketDeps } from './ticket-deps.ts';
import { isUuid } from './ticket-rows.ts';

interface EraseRow {
  id: string;
  type_key: string;
  release_number: number;
  number: string | null;
  data: Record<string, unknown>;
  receipt: Record<string, unknown>;
  components: Record<string, unknown>;
}

/** Removes sensitive keys from one form's values (and sub-table rows); returns the paths it cleared. */
function clear(fields: FieldSpec[], values: Record<string, unknown>, root: string): string[] {
  const cleared: string[] = [];
  for (const f of fields) {
    if (!(f.key in values)) continue;
    if (f.sensitive) {
      delete values[f.key];
      cleared.push(`${root}.${f.key}`);
    } else if (f.columns && Array.isArray(values[f.key])) {
      const sensitive = f.columns.filter((c) => c.sensitive).map((c) => c.key);
      let hit = false;
      for (const r of values[f.key] as Record<string, unknown>[]) {
        for (const k of sensitive) {
          if (!r || !(k in r)) continue;
          delete r[k];
          hit = true;
        }
      }
      if (hit) cleared.push(`${root}.${f.key}`);
    }
  }
  return cleared;
}

/**
 * A data subject's erase request: every sensitive value on the customer's tickets is
 * removed in one transaction; the audit records which fields were cleared, masked.
 */
export function eraseSensitive(deps: TicketDeps, tenantId: string, actor: string, target: { customerId: string }): Promise<{ tickets: number }> {
  return deps.orm.em.fork().transactional((em) => eraseSensitiveIn(deps, em, tenantId, actor, target));
}

/** `eraseSensitive` inside the caller's transaction (which may erase the customer record with it). */
export async function eraseSensitiveIn(
  deps: TicketDeps,
  em: EntityManager,
  tenantId: string,
  actor: string,
  target: { customerId: string },
): Promise<{ tickets: number }> {
  if (!isUuid(target.customerId)) {
    throw new InputError('VALIDATION_FAILED', 'customerId must be a record id', {
      errors: [{ field: 'customerId', pointer: '/customerId', code: 'FIELD_INVALID', message: 'customerId must be a record id' }],
    });
  }
  const rows = await em.execute<EraseRow[]>(
    'select id, type_key, release_number, number, data, receipt, components from ticket where tenant_id = ? and customer_id = ? order by id for update',
    [tenantId, target.customerId],
  );
  const now = deps.now();
  let touched = 0;
  for (const row of rows) {
    const spec = await deps.types.get(em, tenantId, row.release_number, row.type_key);
    const cleared = [...clear(spec.fields, row.data, 'data'), ...clear(spec.receipt, row.receipt, 'receipt')];
    for (const c of spec.components) {
      const rowsOf = row.components[c.key];
      if (Array.isArray(rowsOf))
        cleared.push(
          ...clear([{ key: c.key, type: 'subTable', sensitive: false, searchable: false, props: {}, columns: c.fields }], { [c.key]: rowsOf }, 'components'),
        );
    }
    if (cleared.length === 0) continue;
    touched++;
    await em.execute(
      'update ticket set data = ?::jsonb, receipt = ?::jsonb, components = ?::jsonb, version = version + 1, updated_at = ? where tenant_id = ? and id = ?',
      [JSON.stringify(row.data), JSON.stringify(row.receipt), JSON.stringify(row.components), now, tenantId, row.id],
    );
    const changes: Change[] = cleared.map((field) => ({ field, before: '****', after: null }));
    const audit = new Batch();
    addAudit(audit, tenantId, row.id, actor, 'ticket.erase', now, { changes, events: [] });
    await audit.run(em);
    await deps.emit(em, tenantId, {
      type: 'ticket.erased',
      ticketId: row.id,
      ticketType: row.type_key,
      number: row.number,
      actor,
      details: { fields: cleared },
    });
  }
  return { tickets: touched };
}
