import { beforeAll, describe, expect, it } from 'vitest';
import {
  checkDuplicates,
  checkReferences,
  type DefinitionDocument,
  type DefinitionLookup,
  type DefinitionSummary,
  KIND_NAMES,
  type Kind,
  type SetMember,
  validateDocument,
} from '../index.ts';
import { type Doc, EXAMPLES, expectOnly, expectWellFormed, REPAIR_TASKS, t } from './examples.ts';

/** Validates a document and makes it a set member (summary included, so processes expose their tasks). */
async function member(doc: Doc, file?: string): Promise<SetMember> {
  const v = await validateDocument(doc, file);
  expect(v.issues, JSON.stringify(v.issues)).toEqual([]);
  return { doc: v.doc as DefinitionDocument, summary: v.summary, file };
}

let processMember: SetMember;
/** Every example except those listed, as set members. */
async function allBut(...left: Kind[]): Promise<SetMember[]> {
  const out: SetMember[] = [];
  for (const kind of KIND_NAMES) {
    if (left.includes(kind)) continue;
    out.push(kind === 'process' ? processMember : await member(EXAMPLES[kind]()));
  }
  return out;
}
const withTicket = async (ticket: Doc, ...left: Kind[]) => [await member(ticket), ...(await allBut('ticketType', ...left))];

beforeAll(async () => {
  processMember = await member(EXAMPLES.process());
});

function expectMissing(
  issues: ReturnType<typeof checkReferences>,
  pointer: string,
  ends: { fromKind: Kind; fromKey: string; kind: Kind; key: string },
  severity: 'error' | 'warning' = 'error',
) {
  const i = expectOnly(issues, 'DEF_MISSING_REFERENCE', pointer, severity);
  expect(i.params).toEqual(ends);
  expect(i).toMatchObject({ kind: ends.fromKind, key: ends.fromKey });
  for (const text of [i.message.en, i.message['zh-CN']]) {
    expect(text).toContain(`"${ends.fromKey}"`);
    expect(text).toContain(`"${ends.key}"`);
    expect(text).toContain(ends.kind);
  }
  expect(i.message['zh-CN']).toContain('不存在');
  return i;
}

describe('a complete set', () => {
  it('the examples of every kind refer only to each other: no missing references', async () => {
    const set = await allBut();
    expect(set).toHaveLength(KIND_NAMES.length);
    expect(checkReferences(set)).toEqual([]);
    expect(checkDuplicates(set)).toEqual([]);
  });
});

describe('a ticket type naming something that does not exist', () => {
  it('a missing process is an error naming both ends, at /process', async () => {
    const issues = checkReferences(await withTicket(EXAMPLES.ticketType(), 'process'));
    const i = expectMissing(issues, '/process', { fromKind: 'ticketType', fromKey: 'repair', kind: 'process', key: 'repair' });
    expect(i.message.en).toBe('ticketType "repair" refers to process "repair", which does not exist');
    expect(i.message['zh-CN']).toBe('ticketType "repair" 引用的 process "repair" 不存在');
  });

  it('a missing component is an error at /components/N', async () => {
    const ticket = { ...EXAMPLES.ticketType(), components: ['spare-parts', 'visit-log'] };
    expectMissing(checkReferences(await withTicket(ticket)), '/components/1', {
      fromKind: 'ticketType',
      fromKey: 'repair',
      kind: 'component',
      key: 'visit-log',
    });
  });

  it('a select field naming a missing dictionary is an error at the field’s dictionary', async () => {
    const ticket = EXAMPLES.ticketType();
    const fields = (ticket.form as { fields: Doc[] }).fields;
    fields[3] = { key: 'urgency', type: 'select', label: t('紧急程度', 'Urgency'), dictionary: 'urgency-levels' };
    expectMissing(checkReferences(await withTicket(ticket)), '/form/fields/3/dictionary', {
      fromKind: 'ticketType',
      fromKey: 'repair',
      kind: 'dictionary',
      key: 'urgency-levels',
    });
  });

  it('a cascader whose dictionary is not in the set is an error at /form/fields/N/dictionary', async () => {
    expectMissing(checkReferences(await withTicket(EXAMPLES.ticketType(), 'dictionary')), '/form/fields/2/dictionary', {
      fromKind: 'ticketType',
      fromKey: 'repair',
      kind: 'dictionary',
      key: 'fault-types',
    });
  });

  it('a recordRef naming a missing record type is an error at its recordType', async () => {
    const issues = checkReferences(await withTicket(EXAMPLES.ticketType(), 'recordType'));
    expectMissing(issues, '/form/fields/1/recordType', { fromKind: 'ticketType', fromKey: 'repair', kind: 'recordType', key: 'room' });
  });

  it('a visibility role that does not exist is an error at /visibility/roles/N', async () => {
    const ticket = { ...EXAMPLES.ticketType(), visibility: { roles: ['dispatcher', 'property-manager'] } };
    expectMissing(checkReferences(await withTicket(ticket)), '/visibility/roles/1', {
      fromKind: 'ticketType',
      fromKey: 'repair',
      kind: 'role',
      key: 'property-manager',
    });
  });

  it('a ref field naming a reusable field that does not exist is an error at its ref', async () => {
    expectMissing(checkReferences(await withTicket(EXAMPLES.ticketType(), 'field')), '/form/fields/4/ref', {
      fromKind: 'ticketType',
      fromKey: 'repair',
      kind: 'field',
      key: 'owner-phone',
    });
  });

  it('calendar, SLA policy, priorities and report templates are references too', async () => {
    const ticket = { ...EXAMPLES.ticketType(), priorities: 'priorities' };
    const issues = checkReferences(await withTicket(ticket, 'calendar', 'slaPolicy', 'reportTemplate'));
    // The SLA policy is gone with its calendar reference; the ticket type misses four things.
    expect(issues.map((i) => `${i.pointer} ${i.params?.kind}:${i.params?.key}`)).toEqual([
      '/calendar calendar:property-hours',
      '/sla slaPolicy:repair-sla',
      '/priorities dictionary:priorities',
      '/reports/0 reportTemplate:repair-sheet',
    ]);
    expectWellFormed(issues);
  });

  it('references inside sub-table columns, receipt forms and user-field roles are found', async () => {
    const ticket = EXAMPLES.ticketType();
    const parts = (ticket.form as { fields: Doc[] }).fields[8] as { fields: Doc[] };
    parts.fields.push({ key: 'brand', type: 'radio', label: t('品牌', 'Brand'), dictionary: 'brands' });
    (ticket.receiptForm as { fields: Doc[] }).fields.push({
      key: 'reviewer',
      type: 'user',
      label: t('复核人', 'Reviewer'),
      roles: ['dispatcher', 'supervisor'],
    });
    const issues = checkReferences(await withTicket(ticket));
    expect(issues.map((i) => [i.pointer, i.params?.kind, i.params?.key])).toEqual([
      ['/form/fields/8/fields/2/dictionary', 'dictionary', 'brands'],
      ['/receiptForm/fields/4/roles/1', 'role', 'supervisor'],
    ]);
  });

  it('issues carry the file of the referring document', async () => {
    const set = [await member(EXAMPLES.ticketType(), 'ticket-types/repair.json'), ...(await allBut('ticketType', 'process'))];
    const [i] = checkReferences(set);
    expect(i).toMatchObject({ file: 'ticket-types/repair.json', kind: 'ticketType', key: 'repair', pointer: '/process' });
  });
});

describe('references from other kinds', () => {
  it('a reusable field naming a missing dictionary points at /dictionary (the document root)', async () => {
    const doc = { kind: 'field', key: 'building-fault', name: t('楼栋故障', 'Building fault'), type: 'treeSelect', dictionary: 'building-faults' };
    expectMissing(checkReferences([await member(doc)]), '/dictionary', {
      fromKind: 'field',
      fromKey: 'building-fault',
      kind: 'dictionary',
      key: 'building-faults',
    });
  });

  it('a role scoping a ticket type that does not exist is an error at the scoped key', async () => {
    const role = EXAMPLES.role();
    role.dataScope = { default: 'orgUnit', ticketTypes: { repair: 'all', complaint: 'team' } };
    expectMissing(checkReferences([await member(role), ...(await allBut('role'))]), '/dataScope/ticketTypes/complaint', {
      fromKind: 'role',
      fromKey: 'dispatcher',
      kind: 'ticketType',
      key: 'complaint',
    });
  });

  it('an SLA reminder template that does not exist is an error at the reminder', async () => {
    const issues = checkReferences(await allBut('messageTemplate'));
    expectMissing(issues, '/reminders/0/template', { fromKind: 'slaPolicy', fromKey: 'repair-sla', kind: 'messageTemplate', key: 'fee-reminder' });
  });

  it('schedules, dispatch rules and report templates need their ticket type', async () => {
    const issues = checkReferences(await allBut('ticketType'));
    const got = issues.map((i) => `${i.params?.fromKind}:${i.params?.fromKey} ${i.pointer} -> ${i.params?.kind}:${i.params?.key}`).sort();
    expect(got).toEqual([
      'dispatchRule:repair-dispatch /ticketTypes/0 -> ticketType:repair',
      'reportTemplate:repair-sheet /ticketTypes/0 -> ticketType:repair',
      'role:dispatcher /dataScope/ticketTypes/repair -> ticketType:repair',
      'role:dispatcher /fieldPermissions/repair -> ticketType:repair',
      'role:dispatcher /ticketTypes/0 -> ticketType:repair',
      'schedule:elevator-inspection /ticketType -> ticketType:repair',
    ]);
    expectWellFormed(issues);
  });

  it('a reference to the same key of another kind does not count', async () => {
    // There is a ticket type "repair" and a process "repair", but no component "repair".
    const ticket = { ...EXAMPLES.ticketType(), components: ['repair'] };
    expectMissing(checkReferences(await withTicket(ticket)), '/components/0', { fromKind: 'ticketType', fromKey: 'repair', kind: 'component', key: 'repair' });
  });

  // BUG: references.ts builds the pointers of role references from object keys without
  // RFC 6901 escaping (`/dataScope/ticketTypes/${k}`), so a key holding "/" or "~" gives a
  // pointer into the wrong place. Input: a role with dataScope.ticketTypes {"repair/urgent": "all"}
  // gives pointer "/dataScope/ticketTypes/repair/urgent" instead of ".../repair~1urgent".
  // (Schema errors on the same keys are escaped correctly by ajv.)
  it('pointers to role keys are escaped like every other pointer', async () => {
    const role = EXAMPLES.role();
    role.dataScope = { default: 'orgUnit', ticketTypes: { 'repair/urgent': 'all' } };
    role.fieldPermissions = {};
    const issues = checkReferences([await member(role), ...(await allBut('role'))]);
    expect(issues.map((i) => i.pointer)).toEqual(['/dataScope/ticketTypes/repair~1urgent']);
  });
});

describe('resolving against what already exists (outside)', () => {
  const lookup = (entries: Record<string, DefinitionSummary>): DefinitionLookup & { asked: string[] } => {
    const asked: string[] = [];
    return {
      asked,
      get(kind, key) {
        asked.push(`${kind}:${key}`);
        return entries[`${kind}:${key}`];
      },
    };
  };

  it('a reference found by the outside lookup is not an issue', async () => {
    const outside = lookup({ 'process:repair': { process: { processId: 'repair', tasks: REPAIR_TASKS } } });
    expect(checkReferences(await withTicket(EXAMPLES.ticketType(), 'process'), outside)).toEqual([]);
    expect(outside.asked).toContain('process:repair');
  });

  it('the outside lookup is only asked about what the set lacks', async () => {
    const outside = lookup({});
    expect(checkReferences(await allBut(), outside)).toEqual([]);
    expect(outside.asked).toEqual([]);
  });

  it('a reference neither in the set nor outside is still an error', async () => {
    const outside = lookup({ 'process:general': { process: { processId: 'general', tasks: ['accept'] } } });
    expectMissing(checkReferences(await withTicket(EXAMPLES.ticketType(), 'process'), outside), '/process', {
      fromKind: 'ticketType',
      fromKey: 'repair',
      kind: 'process',
      key: 'repair',
    });
  });

  it('steps are checked against the tasks of an outside process', async () => {
    const outside = lookup({ 'process:repair': { process: { processId: 'repair', tasks: ['accept', 'handle'] } } });
    const issues = checkReferences(await withTicket(EXAMPLES.ticketType(), 'process'), outside);
    expect(issues.map((i) => `${i.code} ${i.pointer}`)).toEqual([
      'DEF_UNKNOWN_STEP /steps/dispatch',
      'DEF_UNKNOWN_STEP /steps/onSite',
      'DEF_UNKNOWN_STEP /steps/review',
    ]);
    expect(issues[0]?.params).toEqual({ fromKey: 'repair', step: 'dispatch', process: 'repair', allowed: ['accept', 'handle'] });
  });

  it('an outside definition without a process summary exists but gives no step check', async () => {
    const outside = lookup({ 'process:repair': {} });
    expect(checkReferences(await withTicket(EXAMPLES.ticketType(), 'process'), outside)).toEqual([]);
  });

  it('the set wins over outside: the in-set process’s tasks are used', async () => {
    const outside = lookup({ 'process:repair': { process: { processId: 'repair', tasks: [] } } });
    expect(checkReferences(await withTicket(EXAMPLES.ticketType()), outside)).toEqual([]);
  });
});

describe('severity option', () => {
  it('with severity "warning" missing references and unknown steps are warnings', async () => {
    const ticket = { ...EXAMPLES.ticketType(), steps: { survey: {} } };
    const issues = checkReferences(await withTicket(ticket, 'calendar'), undefined, 'warning');
    expect(issues.map((i) => `${i.code} ${i.pointer} ${i.severity}`)).toEqual([
      'DEF_MISSING_REFERENCE /calendar warning',
      'DEF_UNKNOWN_STEP /steps/survey warning',
      'DEF_MISSING_REFERENCE /calendar warning',
    ]);
    expectWellFormed(issues);
  });

  it('the default severity is error', async () => {
    const issues = checkReferences(await withTicket(EXAMPLES.ticketType(), 'component'));
    expect(issues.map((i) => i.severity)).toEqual(['error']);
  });
});

describe('steps configured on a ticket type', () => {
  it('a step the referenced process lacks is DEF_UNKNOWN_STEP listing the process tasks', async () => {
    const ticket = { ...EXAMPLES.ticketType(), steps: { dispatch: { timeout: 'PT30M' }, survey: { enabled: false } } };
    const i = expectOnly(checkReferences(await withTicket(ticket)), 'DEF_UNKNOWN_STEP', '/steps/survey');
    expect(i.params).toEqual({ fromKey: 'repair', step: 'survey', process: 'repair', allowed: REPAIR_TASKS });
    expect(i).toMatchObject({ kind: 'ticketType', key: 'repair' });
    expect(i.message.en).toBe(`ticket type "repair" configures step "survey", but process "repair" has no such task (tasks: ${REPAIR_TASKS.join(', ')})`);
    expect(i.message['zh-CN']).toContain('survey');
    expect(i.message['zh-CN']).toContain('流程 "repair" 中没有该任务');
  });

  it('tasks inside a sub-process can be configured', async () => {
    const ticket = { ...EXAMPLES.ticketType(), steps: { materials: { enabled: false } } };
    expect(checkReferences(await withTicket(ticket))).toEqual([]);
  });

  it('a gateway or event id is not a step', async () => {
    const ticket = { ...EXAMPLES.ticketType(), steps: { start: { enabled: false } } };
    expectOnly(checkReferences(await withTicket(ticket)), 'DEF_UNKNOWN_STEP', '/steps/start');
  });

  it('steps are not checked when the process itself is missing (one issue, the missing process)', async () => {
    const ticket = { ...EXAMPLES.ticketType(), steps: { survey: {} } };
    expectOnly(checkReferences(await withTicket(ticket, 'process')), 'DEF_MISSING_REFERENCE', '/process');
  });

  it('a process member without a summary (not parsed) exists but gives no step check', async () => {
    const set = await withTicket({ ...EXAMPLES.ticketType(), steps: { survey: {} } }, 'process');
    set.push({ doc: EXAMPLES.process() as unknown as DefinitionDocument });
    expect(checkReferences(set)).toEqual([]);
  });
});

describe('duplicates in one set', () => {
  it('the same kind and key twice is DEF_DUPLICATE_DEFINITION naming the other file', async () => {
    const set = [await member(EXAMPLES.role(), 'roles/dispatcher.json'), await member(EXAMPLES.role(), 'plugins/roles/dispatcher.json')];
    const i = expectOnly(checkDuplicates(set), 'DEF_DUPLICATE_DEFINITION', '/key');
    expect(i).toMatchObject({ file: 'plugins/roles/dispatcher.json', kind: 'role', key: 'dispatcher' });
    expect(i.params).toEqual({ kind: 'role', key: 'dispatcher', other: 'roles/dispatcher.json' });
    expect(i.message.en).toBe('role "dispatcher" is defined twice (also in roles/dispatcher.json)');
    expect(i.message['zh-CN']).toContain('重复定义');
  });

  it('without files the other end is "this set"', async () => {
    const set = [await member(EXAMPLES.dictionary()), await member(EXAMPLES.dictionary())];
    expect(checkDuplicates(set)[0]?.params?.other).toBe('this set');
  });

  it('three copies give two issues, each naming the first', async () => {
    const set = await Promise.all(['a.json', 'b.json', 'c.json'].map((f) => member(EXAMPLES.calendar(), f)));
    expect(checkDuplicates(set).map((i) => [i.file, i.params?.other])).toEqual([
      ['b.json', 'a.json'],
      ['c.json', 'a.json'],
    ]);
  });

  it('the same key in two kinds is not a duplicate', async () => {
    // ticket type "repair" and process "repair"
    expect(checkDuplicates(await allBut())).toEqual([]);
  });
});
