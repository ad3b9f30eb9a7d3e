import { v7 as uuidv7 } from 'uuid';
import { ForbiddenError, InputError, StateError } from '../errors.ts';
import { addAudit, Batch } from '../process/persist.ts';
import type { TicketDeps } from './ticket-deps.ts';
import { loadTicketRow } from './ticket-rows.ts';
import { iso } from './ticket-view.ts';
import type { TicketCaller } from './tickets-api.ts';

export interface TimeRecord {
  id: string;
  userId: string;
  minutes: number;
  startedAt: string | null;
  endedAt: string | null;
  note: string | null;
  createdAt: string;
}

export interface Rating {
  rating: number;
  comment: string | null;
  ratedAt: string;
}

const bad = (field: string, code: string, message: string) => new InputError(code, message, { errors: [{ field, pointer: `/${field}`, code, message }] });

/**
 * The satisfaction rating (回访评分) of a resolved ticket, by its registrant (the customer in
 * the portal) or by staff who may change tickets; and the time technicians record on it.
 */
export class TicketWork {
  private readonly deps: TicketDeps;
  constructor(deps: TicketDeps) {
    this.deps = deps;
  }

  async rate(tenantId: string, caller: TicketCaller, id: string, input: { rating: number; comment?: string }): Promise<Rating> {
    if (!Number.isFinite(input.rating) || input.rating < 1 || input.rating > 5 || Math.round(input.rating * 2) !== input.rating * 2) {
      throw bad('rating', 'RATING_INVALID', 'a rating is 1 to 5 in steps of 0.5');
    }
    const comment = input.comment?.trim() || null;
    if (comment && comment.length > 2000) throw bad('comment', 'VALIDATION_FAILED', 'a rating comment has at most 2000 characters');
    return this.deps.orm.em.fork().transactional(async (em) => {
      const row = await loadTicketRow(em, tenantId, caller.access, id);
      if (row.creator !== caller.actor.id && !caller.access.canUpdate) throw new ForbiddenError('only the registrant or staff may rate this ticket');
      if (!['resolved', 'closed'].includes(row.status_category)) {
        throw new StateError('TICKET_NOT_RESOLVED', 'a ticket is rated once it is resolved', { statusCategory: row.status_category });
      }
      const now = this.deps.now();
      await em.execute('update ticket set rating = ?, rating_comment = ?, rated_at = ?, version = version + 1, updated_at = ? where tenant_id = ? and id = ?', [
        input.rating,
        comment,
        now,
        now,
        tenantId,
        id,
      ]);
      const audit = new Batch();
      addAudit(audit, tenantId, id, caller.actor.id, 'ticket.rate', now, {
        changes: [{ field: 'rating', before: row.rating ?? null, after: input.rating }],
        events: [],
      });
      await audit.run(em);
      await this.deps.emit(em, tenantId, {
        type: 'ticket.updated',
        ticketId: id,
        ticketType: row.type_key,
        number: row.number,
        actor: caller.actor.id,
        details: { fields: ['rating'] },
      });
      return { rating: input.rating, comment, ratedAt: now.toISOString() };
    });
  }

  async logTime(
    tenantId: string,
    caller: TicketCaller,
    id: string,
    input: { minutes?: number; startedAt?: string; endedAt?: string; note?: string },
  ): Promise<TimeRecord> {
    const started = input.startedAt ? new Date(input.startedAt) : null;
    const ended = input.endedAt ? new Date(input.endedAt) : null;
    if (started && ended && ended < started) throw bad('endedAt', 'TIME_RANGE_ORDER', 'endedAt is before startedAt');
    const minutes = input.minutes ?? (started && ended ? Math.round((ended.getTime() - started.getTime()) / 60_000) : undefined);
    if (!minutes || !Number.isInteger(minutes) || minutes < 1 || minutes > 24 * 60)
      throw bad('minutes', 'TIME_MINUTES', 'a time record is 1 to 1440 whole minutes');
    if (!caller.access.canUpdate) throw new ForbiddenError('you may not record time on tickets');
    return this.deps.orm.em.fork().transactional(async (em) => {
      await loadTicketRow(em, tenantId, caller.access, id);
      const [row] = await em.execute<Record<string, unknown>[]>(
        `insert into ticket_time_record (tenant_id, id, ticket_id, user_id, started_at, ended_at, minutes, note, created_at)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?) returning *`,
        [tenantId, uuidv7(), id, caller.actor.id, started, ended, minutes, input.note?.trim() || null, this.deps.now()],
      );
      return timeRecordOf(row as Record<string, unknown>);
    });
  }

  async timeRecords(tenantId: string, caller: TicketCaller, id: string): Promise<{ items: TimeRecord[]; totalMinutes: number }> {
    const em = this.deps.orm.em.fork();
    await loadTicketRow(em, tenantId, caller.access, id);
    const rows = await em.execute<Record<string, unknown>[]>('select * from ticket_time_record where tenant_id = ? and ticket_id = ? order by created_at, id', [
      tenantId,
      id,
    ]);
    const items = rows.map(timeRecordOf);
    return { items, totalMinutes: items.reduce((n, r) => n + r.minutes, 0) };
  }
}

function timeRecordOf(r: Record<string, unknown>): TimeRecord {
  return {
    id: String(r.id),
    userId: String(r.user_id),
    minutes: Number(r.minutes),
    startedAt: iso(r.started_at as string | null),
    endedAt: iso(r.ended_at as string | null),
    note: (r.note as string | null) ?? null,
    createdAt: iso(r.created_at as string) as string,
  };
}
