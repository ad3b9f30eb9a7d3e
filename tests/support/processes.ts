import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestDatabase } from './databases.ts';

const ROOT = join(import.meta.dirname, '../..');
const FIXTURES = join(ROOT, 'tests/fixtures/processes');
const ADMIN = { actor: 'tester', origin: { type: 'admin' as const } };

/** The test flows and the ticket types that run them. */
export const FLOWS = {
  'work-order': 'work-order',
  'work-order-lite': 'work-order',
  complaint: 'complaint',
  'service-request': 'service-request',
  'property-work-order': 'property-work-order',
  'reminder-escalation': 'reminder-escalation',
  'quick-timers': 'quick-timers',
} as const;

const role = (key: string) => ({ kind: 'role', key, name: { en: key }, dataScope: { default: 'participant' }, permissions: { ticket: ['read', 'update'] } });

const template = (key: string) => ({
  kind: 'messageTemplate',
  key,
  name: { en: key },
  channel: 'sms',
  body: '工单 {{ticket.number}} 提醒',
  parameters: [{ name: 'ticket', label: { en: 'Ticket' } }],
});

export const ticketTypeDoc = (key: string, process: string, steps?: Record<string, object>) => ({
  kind: 'ticketType',
  key,
  name: { en: key, 'zh-CN': key },
  category: 'workOrder',
  process,
  calendar: 'default',
  ...(steps ? { steps } : {}),
  form: {
    fields: [
      { key: 'title', type: 'text', label: { en: 'Title' } },
      { key: 'contactPhone', type: 'phone', label: { en: 'Phone' }, sensitive: true },
      { key: 'handler', type: 'text', label: { en: 'Handler' } },
      { key: 'request', type: 'text', label: { en: 'Request' } },
      {
        key: 'workOrders',
        type: 'subTable',
        label: { en: 'Work orders' },
        fields: [
          { key: 'title', type: 'text', label: { en: 'Title' } },
          { key: 'handler', type: 'text', label: { en: 'Handler' } },
        ],
      },
    ],
  },
});

/**
 * Installs the process fixtures, the default calendar, the roles they name and one ticket
 * type per flow into a tenant, and publishes them as one release.
 */
export async function installFlows(t: TestDatabase, tenantId: string): Promise<number> {
  const docs: unknown[] = [
    JSON.parse(await readFile(join(ROOT, 'definitions/calendars/default.json'), 'utf8')),
    ...['dispatcher', 'finance', 'manager', 'agent'].map(role),
    ...['revisit-sms', 'ticket-reminder'].map(template),
  ];
  for (const p of new Set(Object.values(FLOWS))) docs.push({ kind: 'process', key: p, bpmn: await readFile(join(FIXTURES, `${p}.bpmn`), 'utf8') });
  for (const [key, process] of Object.entries(FLOWS)) {
    docs.push(ticketTypeDoc(key, process, key === 'work-order-lite' ? { autoRevisit: { enabled: false }, revisit: { enabled: false } } : undefined));
  }
  for (const doc of docs) await t.store.saveDraft(tenantId, { doc }, ADMIN);
  const release = await t.store.publish(tenantId, {}, ADMIN);
  return release.number;
}
