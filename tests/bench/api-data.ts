/**
 * Bulk data for the `api` benchmark: N tickets of the core `general` type written with
 * COPY (not through the API), each with its process instance, its open task and its
 * participants, cloned from one ticket the API really created (so detail reads see the
 * state the engine writes). One technician is assigned every SHARE-th ticket.
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

export const SOURCES = ['phone', 'portal', 'wechat', 'email', 'walk-in', 'patrol', 'api', 'other'] as const;
/** One ticket in SHARE is assigned to the benchmark's technician. */
export const SHARE = 200;

export interface Template {
  tenantId: string;
  release: number;
  status: string;
  statusCategory: string;
  state: Record<string, unknown>;
  processKey: string;
  processVersion: number;
  task: { id: string; node: string; name: string; status: string };
}

export interface Generated {
  /** Ticket ids assigned to the technician (the ones the scoped list and detail reads hit). */
  mine: string[];
}

/** CSV field: quoted, with quotes doubled. */
const q = (v: string | number | null): string => (v === null ? '' : `"${String(v).replaceAll('"', '""')}"`);

async function copy(client: pg.PoolClient | pg.Client, table: string, columns: string[], rows: Iterable<string>): Promise<void> {
  const stream = client.query(copyFrom(`copy ${table} (${columns.join(', ')}) from stdin with (format csv)`));
  await pipeline(Readable.from(chunks(rows)), stream);
}

/** Batches lines into ~256 KB strings so the stream is not a million tiny writes. */
function* chunks(rows: Iterable<string>): Generator<string> {
  let buf = '';
  for (const r of rows) {
    buf += r;
    if (buf.length > 256 * 1024) {
      yield buf;
      buf = '';
    }
  }
  if (buf) yield buf;
}

/** A small, fast deterministic PRNG so runs are comparable. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function generateTickets(client: pg.Client, t: Template, count: number, technician: string, log: (m: string) => void): Promise<Generated> {
  const rand = rng(42);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)] as T;
  const creators = Array.from({ length: 1000 }, () => randomUUID());
  const technicians = Array.from({ length: SHARE - 1 }, () => randomUUID());
  const customers = Array.from({ length: 10000 }, () => randomUUID());
  const teams = Array.from({ length: 20 }, (_, i) => `team-${i}`);
  const ids: string[] = [];
  const assignees: string[] = [];
  const creatorOf: string[] = [];
  const mine: string[] = [];
  const start = Date.parse('2025-01-01T00:00:00Z');
  const span = Date.parse('2026-11-01T00:00:00Z') - start;
  const created: string[] = [];
  for (let i = 0; i < count; i++) {
    ids.push(randomUUID());
    const a = i % SHARE === 0 ? technician : (technicians[i % (SHARE - 1)] as string);
    assignees.push(a);
    if (a === technician) mine.push(ids[i] as string);
    creatorOf.push(pick(creators));
    created.push(new Date(start + Math.floor((span * i) / count)).toISOString());
  }
  const t0 = performance.now();
  await copy(
    client,
    'ticket',
    [
      'tenant_id',
      'id',
      'type_key',
      'release_number',
      'number',
      'title',
      'status',
      'status_category',
      'priority',
      'assignee',
      'creator',
      'data',
      'created_at',
      'updated_at',
      'description',
      'customer_id',
      'team',
      'search_tokens',
    ],
    (function* () {
      for (let i = 0; i < count; i++) {
        const title = `报修 ${i}: ${pick(['厨房水管漏水', '空调不制冷', '门锁损坏', 'Printer jam', 'Elevator noise'])}`;
        const data = { title, description: '客户来电', source: pick(SOURCES), onSite: rand() < 0.5, customer: pick(customers) };
        yield `${[
          q(t.tenantId),
          q(ids[i] as string),
          q('general'),
          q(t.release),
          q(`GD${String(i).padStart(8, '0')}`),
          q(title),
          q(t.status),
          q(t.statusCategory),
          q(pick(['low', 'normal', 'high', 'urgent'])),
          q(assignees[i] as string),
          q(creatorOf[i] as string),
          q(JSON.stringify(data)),
          q(created[i] as string),
          q(created[i] as string),
          q('客户来电'),
          q(data.customer),
          q(pick(teams)),
          q('{}'),
        ].join(',')}\n`;
      }
    })(),
  );
  log(`tickets: ${count} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const stateJson = JSON.stringify(t.state);
  await copy(
    client,
    'process_instance',
    ['tenant_id', 'ticket_id', 'process_key', 'process_version', 'release_number', 'status', 'state', 'started_at'],
    (function* () {
      for (let i = 0; i < count; i++) {
        yield `${[q(t.tenantId), q(ids[i] as string), q(t.processKey), q(t.processVersion), q(t.release), q('running'), q(stateJson.replaceAll(TEMPLATE_ASSIGNEE, assignees[i] as string)), q(created[i] as string)].join(',')}\n`;
      }
    })(),
  );
  await copy(
    client,
    'task',
    ['tenant_id', 'ticket_id', 'id', 'node', 'name', 'status', 'state', 'assignee', 'created_at'],
    (function* () {
      for (let i = 0; i < count; i++) {
        yield `${[q(t.tenantId), q(ids[i] as string), q(t.task.id), q(t.task.node), q(t.task.name), q(t.task.status), q('open'), q(assignees[i] as string), q(created[i] as string)].join(',')}\n`;
      }
    })(),
  );
  // The participants' trigger would look up each ticket: fill ticket_member directly instead.
  await client.query('alter table ticket_participant disable trigger ticket_participant_member');
  await copy(
    client,
    'ticket_member',
    ['tenant_id', 'user_id', 'ticket_id', 'created_at'],
    (function* () {
      for (let i = 0; i < count; i++) {
        yield `${q(t.tenantId)},${q(creatorOf[i] as string)},${q(ids[i] as string)},${q(created[i] as string)}\n`;
        if (assignees[i] !== creatorOf[i]) yield `${q(t.tenantId)},${q(assignees[i] as string)},${q(ids[i] as string)},${q(created[i] as string)}\n`;
      }
    })(),
  );
  await copy(
    client,
    'ticket_participant',
    ['tenant_id', 'ticket_id', 'user_id', 'role', 'added_at'],
    (function* () {
      for (let i = 0; i < count; i++) {
        yield `${q(t.tenantId)},${q(ids[i] as string)},${q(creatorOf[i] as string)},"registrant",${q(created[i] as string)}\n`;
        yield `${q(t.tenantId)},${q(ids[i] as string)},${q(assignees[i] as string)},"assignee",${q(created[i] as string)}\n`;
      }
    })(),
  );
  await client.query('alter table ticket_participant enable trigger ticket_participant_member');
  log(`instances, tasks and participants in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return { mine };
}

/** The template ticket is assigned to this placeholder; each copy gets its own assignee in its state. */
export const TEMPLATE_ASSIGNEE = '00000000-0000-4000-8000-00000000a551';
