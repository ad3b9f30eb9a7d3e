import { join } from 'node:path';
import type { TestDatabase } from '../../../../tests/support/databases.ts';
import { installFlows } from '../../../../tests/support/processes.ts';
import type { DocketError } from '../../errors.ts';
import { ProcessRuntime } from '../../process/runtime.ts';
import type { Actor } from '../../process/state.ts';
import { DiskFileStore } from '../../store/files.ts';
import { type DataScope, fullAccess, type TicketAccess } from '../access.ts';
import { TicketService } from '../tickets.ts';
import type { TicketCaller, TicketEvent } from '../tickets-api.ts';

const ADMIN = { actor: 'tester', origin: { type: 'admin' as const } };

/** A 售后宝-like repair type: numbered, a typed form with a sensitive phone, a hidden-able cost, a portal and a component. */
export const REPAIR = {
  kind: 'ticketType',
  key: 'repair',
  name: { en: 'Repair', 'zh-CN': '维修' },
  category: 'workOrder',
  process: 'work-order',
  calendar: 'default',
  numbering: { pattern: 'WX{yyyyMMdd}{seq:4}', sequenceScope: ['ticketType', 'day'] },
  titleField: 'title',
  portal: { enabled: true, fields: ['title', 'contactPhone'] },
  components: ['spareParts'],
  form: {
    fields: [
      { key: 'title', type: 'text', label: { en: 'Title' }, required: true, maxLength: 80 },
      { key: 'amount', type: 'number', label: { en: 'Amount' }, searchable: true },
      { key: 'note', type: 'text', label: { en: 'Note' }, searchable: true },
      { key: 'contactPhone', type: 'phone', label: { en: 'Phone' }, sensitive: true },
      { key: 'cost', type: 'money', label: { en: 'Internal cost' } },
      { key: 'visitDate', type: 'date', label: { en: 'Visit date' } },
      { key: 'photos', type: 'attachment', label: { en: 'Photos' }, accept: ['image/*'], maxFiles: 2, maxSizeMb: 1 },
    ],
  },
  receiptForm: { fields: [{ key: 'resolution', type: 'textarea', label: { en: 'Resolution' } }] },
};

export const SPARE_PARTS = {
  kind: 'component',
  key: 'spareParts',
  name: { en: 'Spare parts' },
  rows: 'multiple',
  maxRows: 5,
  fields: [
    { key: 'part', type: 'text', label: { en: 'Part' }, required: true },
    { key: 'qty', type: 'number', label: { en: 'Quantity' }, min: 1 },
  ],
};

export interface TicketWorld {
  service: TicketService;
  runtime: ProcessRuntime;
  tenant: string;
  events: TicketEvent[];
  /** Moves the service's clock. */
  setNow(d: Date): void;
}

export async function ticketWorld(t: TestDatabase, start = new Date('2026-03-01T18:00:00Z')): Promise<TicketWorld> {
  const tenant = await t.newTenant();
  await installFlows(t, tenant);
  for (const doc of [SPARE_PARTS, REPAIR]) await t.store.saveDraft(tenant, { doc }, ADMIN);
  await t.store.publish(tenant, {}, ADMIN);
  let now = start;
  const events: TicketEvent[] = [];
  const runtime = new ProcessRuntime(t.db.orm, { now: () => now });
  const service = new TicketService(t.db.orm, runtime, new DiskFileStore(join(t.dataDir, 'files')), {
    now: () => now,
    onEvent: async (_em, _tenant, e) => void events.push(e),
  });
  return {
    service,
    runtime,
    tenant,
    events,
    setNow: (d) => {
      now = d;
    },
  };
}

/** A caller with the given scopes; nothing sensitive unless `viewSensitive`. */
export function caller(actor: Actor, scopes: DataScope[], extra: Partial<TicketAccess> = {}, portal = false): TicketCaller {
  return {
    actor,
    access: { ...fullAccess(actor.id), teams: actor.teams ?? [], orgUnits: actor.orgUnits ?? [], defaultScopes: scopes, viewSensitive: false, ...extra },
    ...(portal ? { portal: true } : {}),
  };
}

/** A portal customer who sees their own tickets. */
export const resident = (): TicketCaller => caller({ id: 'resident' }, ['own'], {}, true);

export const admin = (): TicketCaller => ({ actor: { id: 'root', admin: true }, access: fullAccess('root') });

/** The error a promise rejects with (the test fails if it resolves). */
export const failure = async (p: Promise<unknown>): Promise<DocketError> => {
  try {
    await p;
  } catch (e) {
    return e as DocketError;
  }
  throw new Error('expected a failure');
};
