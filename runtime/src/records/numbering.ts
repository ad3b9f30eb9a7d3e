import type { EntityManager } from '@mikro-orm/postgresql';
import type { Static } from 'typebox';
import type { NumberingSchema, SEQUENCE_SCOPES } from '../definitions/kinds/ticket-type.ts';
import { DocketError, NotFoundError } from '../errors.ts';

export type NumberingRule = Static<typeof NumberingSchema>;
export type SequenceScope = (typeof SEQUENCE_SCOPES)[number];

/** The values a pattern's tokens stand for: local date parts, the org unit and the sequence value. */
export interface NumberParts {
  yyyy: string;
  MM: string;
  dd: string;
  orgUnit: string;
  seq: number;
}

export interface NumberContext {
  /** What the sequence belongs to: a ticket type key, or `record:<record type key>` for records. */
  subject: string;
  orgUnit?: string | null;
  /** IANA zone of the tenant: date tokens and day/month/year scopes use its local calendar. */
  timeZone: string;
  now: Date;
}

const TOKEN = /\{(yyyy|yy|MM|dd|yyyyMMdd|yyMMdd|orgUnit|seq(?::(\d{1,2}))?)\}/g;

/** Fills a numbering pattern. Pure, for previews; `{seq:4}` pads to 4 digits and widens past 9999 (never wraps). */
export function formatNumber(pattern: string, parts: NumberParts): string {
  const out = pattern.replace(TOKEN, (_m, token: string, width: string | undefined) => {
    switch (token) {
      case 'yyyy':
        return parts.yyyy;
      case 'yy':
        return parts.yyyy.slice(-2);
      case 'MM':
        return parts.MM;
      case 'dd':
        return parts.dd;
      case 'yyyyMMdd':
        return `${parts.yyyy}${parts.MM}${parts.dd}`;
      case 'yyMMdd':
        return `${parts.yyyy.slice(-2)}${parts.MM}${parts.dd}`;
      case 'orgUnit':
        return parts.orgUnit;
      default:
        return String(parts.seq).padStart(Number(width ?? 1), '0');
    }
  });
  if (/[{}]/.test(out)) throw new DocketError('BAD_NUMBER_PATTERN', `Numbering pattern ${JSON.stringify(pattern)} has an unknown token`, { pattern });
  return out;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The calendar date of `now` in `timeZone` (Intl only: no time-zone library). */
export function localDate(now: Date, timeZone: string): { yyyy: string; MM: string; dd: string } {
  let f = formatters.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    } catch {
      throw new DocketError('BAD_TIME_ZONE', `Unknown time zone ${JSON.stringify(timeZone)}`, { timeZone });
    }
    formatters.set(timeZone, f);
  }
  const get = (type: string) => f.formatToParts(now).find((p) => p.type === type)?.value ?? '';
  return { yyyy: get('year').padStart(4, '0'), MM: get('month'), dd: get('day') };
}

/**
 * The counter a number comes from, e.g. `type=repair|org=north|day=2026-03-02`. Without
 * `sequenceScope` each subject counts on its own; `tenant` alone shares one counter tenant-wide.
 */
export function sequenceKey(rule: NumberingRule, ctx: NumberContext, date = localDate(ctx.now, ctx.timeZone)): string {
  const scopes = new Set<SequenceScope>(rule.sequenceScope?.length ? rule.sequenceScope : ['ticketType']);
  const parts: string[] = [];
  if (scopes.has('ticketType')) parts.push(`type=${ctx.subject}`);
  if (scopes.has('orgUnit')) parts.push(`org=${ctx.orgUnit ?? ''}`);
  if (scopes.has('year')) parts.push(`year=${date.yyyy}`);
  if (scopes.has('month')) parts.push(`month=${date.yyyy}-${date.MM}`);
  if (scopes.has('day')) parts.push(`day=${date.yyyy}-${date.MM}-${date.dd}`);
  return parts.length ? parts.join('|') : 'tenant';
}

// Concurrent creators serialize on the counter row until the first commits; a rollback
// undoes the increment, so numbers stay gap-free. A raised `start` jumps the counter forward.
const NEXT = `insert into number_sequence (tenant_id, scope_key, value) values (?, ?, ?)
  on conflict (tenant_id, scope_key) do update set value = greatest(number_sequence.value + 1, excluded.value), updated_at = now()
  returning value`;

/** Allocates the next number inside the caller's transaction (which must be open: the row lock lasts until it ends). */
export async function allocateNumber(em: EntityManager, tenantId: string, rule: NumberingRule, ctx: NumberContext): Promise<string> {
  const date = localDate(ctx.now, ctx.timeZone);
  const key = sequenceKey(rule, ctx, date);
  const [row] = await em.execute<{ value: string | number }[]>(NEXT, [tenantId, key, rule.start ?? 1]);
  if (!row) throw new DocketError('NUMBER_NOT_ALLOCATED', `No number allocated for ${key}`);
  return formatNumber(rule.pattern, { ...date, orgUnit: ctx.orgUnit ?? '', seq: Number(row.value) });
}

/** The tenant's IANA time zone, which numbering and date scopes use. */
export async function tenantTimeZone(em: EntityManager, tenantId: string): Promise<string> {
  const [row] = await em.execute<{ time_zone: string }[]>('select time_zone from tenant where id = ?', [tenantId]);
  if (!row) throw new NotFoundError(`There is no tenant ${tenantId}`, { tenant: tenantId });
  return row.time_zone;
}
