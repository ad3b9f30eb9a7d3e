import { describe, expect, it } from 'vitest';
import { MemoryEngine, type MemoryOptions } from '../memory.ts';
import { compileProcess } from '../model.ts';
import { bpmn, flows as fixtureFlows, HOUR, MINUTE, tech, tech2, userTask } from './fixtures.ts';

// One test (or a few) per BPMN element the engine runs, each driven with fake time only.

/** Compiles `body` as the process, with `roots` (messages, errors) next to it in the definitions. */
const compile = (body: string, roots = '') => compileProcess(bpmn(body).replace('<bpmn:process', `${roots}<bpmn:process`));

async function run(body: string, options: MemoryOptions & { roots?: string } = {}) {
  const { roots, ...rest } = options;
  const e = new MemoryEngine(await compile(body, roots), rest);
  e.start();
  return e;
}

// fixtures.flows does not parse a plain `a->b` (its pattern needs an id or a condition), and numbers
// ids from f1 on each call (clashing inside a sub-process); give every flow an id unique in the file.
let flowSeq = 0;
const flows = (...pairs: string[]) =>
  fixtureFlows(...pairs.map((p) => p.replace(/^(\w+)\s*-(>|\{)/, (_, from, next) => `${from}-[f${++flowSeq}]${next === '>' ? '->' : '{'}`)));

const start = (id = 's') => `<bpmn:startEvent id="${id}"/>`;
const end = (id = 'e', inner = '') => `<bpmn:endEvent id="${id}" name="${id}">${inner}</bpmn:endEvent>`;
const gateway = (kind: string, id: string, attrs = '') => `<bpmn:${kind}Gateway id="${id}" ${attrs}/>`;
const message = (name: string) => `<bpmn:message id="M_${name}" name="${name}"/>`;
const error = (id: string, code: string) => `<bpmn:error id="${id}" errorCode="${code}"/>`;
const timerDef = (kind: 'timeDuration' | 'timeCycle' | 'timeDate', value: string) =>
  `<bpmn:timerEventDefinition><bpmn:${kind}>${value}</bpmn:${kind}></bpmn:timerEventDefinition>`;
const timerCatch = (id: string, duration: string) =>
  `<bpmn:intermediateCatchEvent id="${id}">${timerDef('timeDuration', duration)}</bpmn:intermediateCatchEvent>`;
const messageCatch = (id: string, name: string) =>
  `<bpmn:intermediateCatchEvent id="${id}"><bpmn:messageEventDefinition messageRef="M_${name}"/></bpmn:intermediateCatchEvent>`;
const boundary = (id: string, on: string, def: string, interrupting = true) =>
  `<bpmn:boundaryEvent id="${id}" attachedToRef="${on}" cancelActivity="${interrupting}">${def}</bpmn:boundaryEvent>`;
const subProcess = (id: string, inner: string, extra = '') => `<bpmn:subProcess id="${id}" name="${id}">${inner}${extra}</bpmn:subProcess>`;
const serviceTask = (id: string, type: string, params: unknown) =>
  `<bpmn:serviceTask id="${id}"><bpmn:extensionElements><tk:action type="${type}">${JSON.stringify(params)}</tk:action></bpmn:extensionElements></bpmn:serviceTask>`;
const loop = (attrs: string, inner = '') => `<bpmn:multiInstanceLoopCharacteristics ${attrs}>${inner}</bpmn:multiInstanceLoopCharacteristics>`;

const openNodes = (e: MemoryEngine) => e.tasks().map((t) => t.node);
const outcomes = (e: MemoryEngine) => e.finished.map((f) => `${f.task.node}:${f.outcome}`);

describe('start events', () => {
  it('a none start puts a new ticket at its first step', async () => {
    const e = await run(start() + userTask('a') + end() + flows('s->a', 'a->e'));
    expect(openNodes(e)).toEqual(['a']);
    expect(e.events[0]).toEqual({ type: 'process.started', node: 's' });
    expect(() => e.start()).toThrow(expect.objectContaining({ code: 'ALREADY_STARTED' }));
  });

  it('a message start begins at the step after it, not at the none start', async () => {
    const body =
      start() +
      '<bpmn:startEvent id="byEmail"><bpmn:messageEventDefinition messageRef="M_email"/></bpmn:startEvent>' +
      userTask('form') +
      userTask('triage') +
      end() +
      flows('s->form', 'byEmail->triage', 'form->e', 'triage->e');
    const e = new MemoryEngine(await compile(body, message('email')));
    e.start('email');
    expect(openNodes(e)).toEqual(['triage']);
    const other = new MemoryEngine(e.model);
    expect(() => other.start('fax')).toThrow(expect.objectContaining({ code: 'NO_START_EVENT' }));
    expect(other.state).toBeUndefined();
  });
});

describe('end events', () => {
  it('a none end completes the ticket and shows the end event name as a closed status', async () => {
    const e = await run(start() + userTask('a') + end('resolved') + flows('s->a', 'a->resolved'));
    e.act('a', 'complete', tech);
    expect(e.state?.status).toBe('completed');
    expect(e.status).toEqual({ status: 'resolved', statusCategory: 'closed' });
    expect(e.events.at(-1)).toEqual({ type: 'process.completed' });
  });

  it('a terminate end in the process stops every parallel branch and their timers', async () => {
    const e = await run(
      start() +
        gateway('parallel', 'fork') +
        userTask('a') +
        userTask('b') +
        userTask('c') +
        gateway('parallel', 'join') +
        boundary('late', 'b', timerDef('timeDuration', 'PT1H')) +
        userTask('escalated') +
        end('stop', '<bpmn:terminateEventDefinition/>') +
        end() +
        flows('s->fork', 'fork->a', 'fork->b', 'fork->c', 'a->stop', 'b->join', 'c->join', 'join->e', 'late->escalated', 'escalated->e'),
    );
    expect(openNodes(e)).toEqual(['a', 'b', 'c']);
    e.act('c', 'complete', tech);
    expect(Object.keys(e.state?.joins ?? {})).toEqual(['root|join']);
    e.act('a', 'complete', tech);
    expect(e.state?.status).toBe('completed');
    expect(e.tasks()).toEqual([]);
    expect(outcomes(e)).toEqual(['c:completed', 'a:completed', 'b:terminated']);
    expect(e.state?.tokens).toEqual({});
    expect(e.state?.joins).toEqual({});
    expect(e.timers).toEqual([]);
    expect(e.events.some((x) => x.type === 'process.terminated' && x.node === 'stop')).toBe(true);
    expect(() => e.act('b', 'complete', tech)).toThrow();
  });

  it('a terminate end inside a sub-process ends only the sub-process; the ticket goes on', async () => {
    const inner = start('ss') + gateway('parallel', 'fork') + userTask('x') + userTask('y') + end('tt', '<bpmn:terminateEventDefinition/>') + end('se');
    const e = await run(
      start() +
        gateway('parallel', 'split') +
        subProcess('sub', inner, flows('ss->fork', 'fork->x', 'fork->y', 'x->tt', 'y->se')) +
        userTask('side') +
        userTask('after') +
        end() +
        flows('s->split', 'split->sub', 'split->side', 'sub->after', 'after->e', 'side->e'),
    );
    expect(openNodes(e).sort()).toEqual(['side', 'x', 'y']);
    e.act('x', 'complete', tech);
    expect(openNodes(e).sort()).toEqual(['after', 'side']);
    expect(outcomes(e)).toEqual(['x:completed', 'y:terminated']);
    expect(e.state?.status).toBe('running');
    expect(e.events.find((x) => x.type.endsWith('.terminated'))).toEqual({ type: 'subProcess.terminated', node: 'tt' });
    expect(Object.keys(e.state?.scopes ?? {})).toEqual([]);
  });

  describe('error end', () => {
    // A sub-process whose work either lacks parts (NO_PARTS) or fails otherwise (OTHER);
    // the catch-all boundary is listed first, yet the boundary naming the code must win.
    const errors = error('E_parts', 'NO_PARTS') + error('E_other', 'OTHER');
    const inner =
      start('ss') +
      userTask('work') +
      userTask('paperwork', { user: 'tech2' }) +
      gateway('parallel', 'fork') +
      gateway('exclusive', 'why', 'default="fOther"') +
      end('noParts', '<bpmn:errorEventDefinition errorRef="E_parts"/>') +
      end('otherFailure', '<bpmn:errorEventDefinition errorRef="E_other"/>') +
      end('paperDone');
    const repair = subProcess(
      'repair',
      inner,
      flows(
        'ss->fork',
        'fork->work',
        'fork->paperwork',
        'paperwork->paperDone',
        'work->why',
        'why-{"==":[{"var":"data.cause"},"parts"]}->noParts',
        'why-[fOther]->otherFailure',
      ),
    );
    const body =
      start() +
      repair +
      boundary('anyError', 'repair', '<bpmn:errorEventDefinition/>') +
      boundary('partsError', 'repair', '<bpmn:errorEventDefinition errorRef="E_parts"/>') +
      userTask('orderParts') +
      userTask('investigate') +
      userTask('close') +
      end() +
      flows('s->repair', 'repair->close', 'partsError->orderParts', 'anyError->investigate', 'orderParts->e', 'investigate->e', 'close->e');

    it('is caught by the error boundary naming its code, which interrupts the whole sub-process', async () => {
      const e = await run(body, { roots: errors, ticket: { data: { cause: 'parts' } } });
      e.act('work', 'complete', tech);
      expect(openNodes(e)).toEqual(['orderParts']);
      expect(outcomes(e)).toEqual(['work:completed', 'paperwork:interrupted']);
      expect(e.events.find((x) => x.type === 'error.caught')).toEqual({ type: 'error.caught', node: 'partsError', detail: { code: 'NO_PARTS' } });
      expect(e.state?.status).toBe('running');
    });

    it('any other code falls to the catch-all boundary', async () => {
      const e = await run(body, { roots: errors, ticket: { data: { cause: 'broken' } } });
      e.act('work', 'complete', tech);
      expect(openNodes(e)).toEqual(['investigate']);
    });

    it('an error nobody catches fails the ticket and stops every step', async () => {
      const e = await run(
        start() +
          gateway('parallel', 'fork') +
          userTask('a') +
          userTask('b') +
          end('boom', '<bpmn:errorEventDefinition errorRef="E_parts"/>') +
          end() +
          flows('s->fork', 'fork->a', 'fork->b', 'a->boom', 'b->e'),
        { roots: errors },
      );
      e.act('a', 'complete', tech);
      expect(e.state?.status).toBe('failed');
      expect(e.state?.error).toEqual({ code: 'NO_PARTS', node: 'boom' });
      expect(e.tasks()).toEqual([]);
      expect(e.events.at(-1)).toEqual({ type: 'process.failed', node: 'boom', detail: { code: 'NO_PARTS' } });
    });

    it('an error thrown in a sub-process without a boundary fails the ticket', async () => {
      const e = await run(
        start() +
          subProcess('sub', start('ss') + userTask('x') + end('boom', '<bpmn:errorEventDefinition errorRef="E_other"/>'), flows('ss->x', 'x->boom')) +
          end() +
          flows('s->sub', 'sub->e'),
        { roots: errors },
      );
      e.act('x', 'complete', tech);
      expect(e.state?.status).toBe('failed');
      expect(e.state?.error).toEqual({ code: 'OTHER', node: 'boom' });
    });
  });

  it('a message end puts the message in the outbox for the jobs to send', async () => {
    const e = await run(start() + userTask('a') + end('notify', '<bpmn:messageEventDefinition messageRef="M_resolved"/>') + flows('s->a', 'a->notify'), {
      roots: message('resolved'),
      ticket: { id: 'T-9' },
    });
    expect(e.outbox).toEqual([]);
    e.act('a', 'complete', tech);
    expect(e.outbox).toEqual([{ kind: 'message', payload: { message: 'resolved', ticket: 'T-9' } }]);
    expect(e.state?.status).toBe('completed');
  });
});

describe('exclusive gateway', () => {
  const body =
    start() +
    userTask('quote', { attrs: 'actions=""', inner: '<tk:fields editable="data.amount"/>' }) +
    gateway('exclusive', 'gw', 'default="fSmall"') +
    userTask('board') +
    userTask('manager') +
    userTask('auto') +
    end() +
    flows(
      's->quote',
      'quote->gw',
      'gw-{">":[{"var":"data.amount"},10000]}->board',
      'gw-{">":[{"var":"data.amount"},1000]}->manager',
      'gw-[fSmall]->auto',
      'board->e',
      'manager->e',
      'auto->e',
    );

  it('takes only the first flow whose condition holds, in document order', async () => {
    const e = await run(body);
    e.act('quote', 'complete', tech, { values: { 'data.amount': 50000 } });
    expect(openNodes(e)).toEqual(['board']);
  });

  it('takes the default flow when no condition holds', async () => {
    const e = await run(body);
    e.act('quote', 'complete', tech, { values: { 'data.amount': 5 } });
    expect(openNodes(e)).toEqual(['auto']);
  });

  it('refuses with NO_OUTGOING_FLOW when nothing holds and there is no default, changing nothing', async () => {
    const e = await run(
      start() +
        userTask('quote', { inner: '<tk:fields editable="data.amount"/>' }) +
        gateway('exclusive', 'gw') +
        userTask('big') +
        end() +
        flows('s->quote', 'quote->gw', 'gw-{">":[{"var":"data.amount"},1000]}->big', 'big->e'),
    );
    const before = structuredClone(e.state);
    const events = e.events.length;
    expect(() => e.act('quote', 'complete', tech, { values: { 'data.amount': 5 } })).toThrow(
      expect.objectContaining({ code: 'NO_OUTGOING_FLOW', details: { node: 'gw' } }),
    );
    expect(e.state).toEqual(before);
    expect(e.ticket.data).toEqual({});
    expect(e.events).toHaveLength(events);
    expect(e.finished).toEqual([]);
    // The step can still be finished with a value that leads somewhere.
    e.act('quote', 'complete', tech, { values: { 'data.amount': 5000 } });
    expect(openNodes(e)).toEqual(['big']);
  });

  it('a gateway with several incoming flows merges without waiting', async () => {
    const e = await run(
      start() +
        gateway('parallel', 'fork') +
        userTask('a') +
        userTask('b') +
        gateway('exclusive', 'merge') +
        userTask('c') +
        end() +
        flows('s->fork', 'fork->a', 'fork->b', 'a->merge', 'b->merge', 'merge->c', 'c->e'),
    );
    e.act('a', 'complete', tech);
    expect(openNodes(e)).toEqual(['b', 'c']);
  });
});

describe('parallel gateway', () => {
  it('opens a step on every branch and joins only when all of them are done', async () => {
    const e = await run(
      start() +
        gateway('parallel', 'fork') +
        userTask('fix', { user: 'tech' }) +
        userTask('bill', { user: 'tech2' }) +
        gateway('parallel', 'join') +
        userTask('close') +
        end() +
        flows('s->fork', 'fork->fix', 'fork->bill', 'fix->join', 'bill->join', 'join->close', 'close->e'),
    );
    expect(openNodes(e)).toEqual(['fix', 'bill']);
    expect(e.task('bill')?.assignee).toBe('tech2');
    e.act('bill', 'complete', tech2);
    expect(openNodes(e)).toEqual(['fix']);
    e.act('fix', 'complete', tech);
    expect(openNodes(e)).toEqual(['close']);
    expect(e.state?.joins).toEqual({});
    e.act('close', 'complete', tech);
    expect(e.state?.status).toBe('completed');
  });
});

describe('parallel gateway conditions', () => {
  it('a parallel gateway starts every branch even when a flow carries a condition, so its join is not left waiting', async () => {
    const e = await run(
      start() +
        gateway('parallel', 'fork') +
        userTask('fix') +
        userTask('bill') +
        gateway('parallel', 'join') +
        userTask('close') +
        end() +
        flows('s->fork', 'fork->fix', 'fork-{"var":"data.billable"}->bill', 'fix->join', 'bill->join', 'join->close', 'close->e'),
    );
    expect(openNodes(e)).toEqual(['fix', 'bill']);
    e.act('fix', 'complete', tech);
    e.act('bill', 'complete', tech);
    expect(openNodes(e)).toEqual(['close']);
  });
});

describe('inclusive gateway', () => {
  const body =
    start() +
    gateway('inclusive', 'split', 'default="fNone"') +
    userTask('hardware') +
    userTask('software') +
    userTask('network') +
    userTask('triage') +
    gateway('inclusive', 'join') +
    userTask('verify') +
    end() +
    flows(
      's->split',
      'split-{"var":"data.hw"}->hardware',
      'split-{"var":"data.sw"}->software',
      'split-{"var":"data.net"}->network',
      'split-[fNone]->triage',
      'hardware->join',
      'software->join',
      'network->join',
      'triage->join',
      'join->verify',
      'verify->e',
    );

  it('opens only the branches whose condition holds', async () => {
    const e = await run(body, { ticket: { data: { hw: true, sw: true } } });
    expect(openNodes(e)).toEqual(['hardware', 'software']);
  });

  it('joins once the taken branches are done, without waiting for the branches not taken', async () => {
    const e = await run(body, { ticket: { data: { hw: true, sw: true } } });
    e.act('software', 'complete', tech);
    expect(openNodes(e)).toEqual(['hardware']);
    e.act('hardware', 'complete', tech);
    expect(openNodes(e)).toEqual(['verify']);
    expect(e.tasks('verify')).toHaveLength(1);
    expect(e.state?.joins).toEqual({});
  });

  it('takes the default flow when no condition holds, and joins after that single branch', async () => {
    const e = await run(body);
    expect(openNodes(e)).toEqual(['triage']);
    e.act('triage', 'complete', tech);
    expect(openNodes(e)).toEqual(['verify']);
  });
});

describe('event-based gateway', () => {
  const body =
    start() +
    gateway('eventBased', 'wait') +
    timerCatch('noReply', 'PT24H') +
    messageCatch('replied', 'reply') +
    userTask('chase') +
    userTask('review') +
    end() +
    flows('s->wait', 'wait->noReply', 'wait->replied', 'noReply->chase', 'replied->review', 'chase->e', 'review->e');

  it('the timer wins when no message comes in time; a late message is no longer expected', async () => {
    const e = await run(body, { roots: message('reply') });
    expect(e.tasks()).toEqual([]);
    expect(e.advance(24 * HOUR - 1)).toBe(0);
    expect(e.advance(1)).toBe(1);
    expect(openNodes(e)).toEqual(['chase']);
    expect(() => e.message('reply')).toThrow(expect.objectContaining({ code: 'MESSAGE_NOT_EXPECTED' }));
  });

  it('the message wins when it comes first; the timer is cancelled', async () => {
    const e = await run(body, { roots: message('reply') });
    e.advance(HOUR);
    e.message('reply', { 'data.answer': 'yes' });
    expect(openNodes(e)).toEqual(['review']);
    expect(e.ticket.data.answer).toBe('yes');
    expect(e.timers).toEqual([]);
    expect(e.advance(48 * HOUR)).toBe(0);
    expect(openNodes(e)).toEqual(['review']);
  });
});

describe('intermediate catch events', () => {
  it('a timer catch holds the ticket for its duration, then moves on', async () => {
    const e = await run(start() + timerCatch('cool', 'PT2H') + userTask('a') + end() + flows('s->cool', 'cool->a', 'a->e'));
    expect(e.timers).toHaveLength(1);
    e.advance(2 * HOUR - MINUTE);
    expect(e.tasks()).toEqual([]);
    e.advance(MINUTE);
    expect(openNodes(e)).toEqual(['a']);
    expect(e.timers).toEqual([]);
  });

  it('a timer catch with a date waits until that instant', async () => {
    const e = await run(
      start() +
        `<bpmn:intermediateCatchEvent id="at">${timerDef('timeDate', '2026-03-02T03:00:00Z')}</bpmn:intermediateCatchEvent>` +
        userTask('a') +
        end() +
        flows('s->at', 'at->a', 'a->e'),
      { now: new Date('2026-03-02T01:00:00Z') },
    );
    expect(e.timers[0]?.dueAt).toBe('2026-03-02T03:00:00.000Z');
    e.advance(2 * HOUR);
    expect(openNodes(e)).toEqual(['a']);
  });

  it('a message catch waits for its message, whose data lands on the ticket', async () => {
    const e = await run(start() + messageCatch('paid', 'payment') + userTask('ship') + end() + flows('s->paid', 'paid->ship', 'ship->e'), {
      roots: message('payment'),
    });
    expect(() => e.message('refund')).toThrow(expect.objectContaining({ code: 'MESSAGE_NOT_EXPECTED' }));
    e.message('payment', { 'data.paidAt': '2026-03-02' });
    expect(openNodes(e)).toEqual(['ship']);
    expect(e.ticket.data.paidAt).toBe('2026-03-02');
  });

  it('a message nobody waits for is refused and its data is not written', async () => {
    const e = await run(start() + userTask('a') + end() + flows('s->a', 'a->e'));
    const before = structuredClone(e.state);
    expect(() => e.message('payment', { 'data.paidAt': 'x' })).toThrow(expect.objectContaining({ code: 'MESSAGE_NOT_EXPECTED' }));
    expect(e.ticket.data).toEqual({});
    expect(e.state).toEqual(before);
  });
});

describe('boundary events', () => {
  const reminderPath = serviceTask('remind', 'sendMessage', { template: 'nudge' }) + end('reminded');
  const nudges = (e: MemoryEngine) => e.outbox.filter((o) => o.payload.template === 'nudge').length;

  it('an interrupting timer takes the ticket off the step and onto the escalation path', async () => {
    const e = await run(
      start() +
        userTask('handle') +
        boundary('tooLate', 'handle', timerDef('timeDuration', 'PT4H')) +
        userTask('supervisor', { user: 'boss' }) +
        end() +
        flows('s->handle', 'handle->e', 'tooLate->supervisor', 'supervisor->e'),
    );
    e.advance(4 * HOUR - 1);
    expect(openNodes(e)).toEqual(['handle']);
    e.advance(1);
    expect(openNodes(e)).toEqual(['supervisor']);
    expect(outcomes(e)).toEqual(['handle:interrupted']);
    expect(e.task('supervisor')?.assignee).toBe('boss');
  });

  it('a non-interrupting cycle R2/PT1H nudges twice only while the step stays open', async () => {
    const e = await run(
      start() +
        userTask('handle') +
        boundary('every', 'handle', timerDef('timeCycle', 'R2/PT1H'), false) +
        reminderPath +
        end() +
        flows('s->handle', 'handle->e', 'every->remind', 'remind->reminded'),
    );
    expect(e.advance(10 * HOUR)).toBe(2);
    expect(nudges(e)).toBe(2);
    expect(openNodes(e)).toEqual(['handle']);
    expect(e.timers).toEqual([]);
    e.act('handle', 'complete', tech);
    expect(e.state?.status).toBe('completed');
  });

  it('finishing the step first cancels its boundary timers', async () => {
    const e = await run(
      start() +
        userTask('handle') +
        boundary('every', 'handle', timerDef('timeCycle', 'R/PT1H'), false) +
        reminderPath +
        end() +
        flows('s->handle', 'handle->e', 'every->remind', 'remind->reminded'),
    );
    e.advance(90 * MINUTE);
    e.act('handle', 'complete', tech);
    expect(e.timers).toEqual([]);
    expect(e.advance(10 * HOUR)).toBe(0);
    expect(nudges(e)).toBe(1);
  });

  it('an interrupting message boundary cancels the step and follows its own path', async () => {
    const e = await run(
      start() +
        userTask('handle') +
        boundary('customerCancels', 'handle', '<bpmn:messageEventDefinition messageRef="M_cancel"/>') +
        userTask('refund') +
        end() +
        flows('s->handle', 'handle->e', 'customerCancels->refund', 'refund->e'),
      { roots: message('cancel') },
    );
    e.message('cancel');
    expect(openNodes(e)).toEqual(['refund']);
    expect(outcomes(e)).toEqual(['handle:interrupted']);
  });

  it('a message that interrupts a sub-process does not also fire boundaries of the steps it cancelled', async () => {
    const inner =
      start('ss') + userTask('work') + boundary('innerCancel', 'work', '<bpmn:messageEventDefinition messageRef="M_cancel"/>') + userTask('undo') + end('se');
    const e = await run(
      start() +
        subProcess('job', inner, flows('ss->work', 'work->se', 'innerCancel->undo', 'undo->se')) +
        boundary('jobCancel', 'job', '<bpmn:messageEventDefinition messageRef="M_cancel"/>') +
        userTask('refund') +
        end() +
        flows('s->job', 'job->e', 'jobCancel->refund', 'refund->e'),
      { roots: message('cancel') },
    );
    e.message('cancel');
    expect(openNodes(e)).toEqual(['refund']);
    expect(outcomes(e)).toEqual(['work:interrupted']);
  });

  it('a non-interrupting message boundary adds a path and leaves the step open', async () => {
    const e = await run(
      start() +
        userTask('handle') +
        boundary('customerCalls', 'handle', '<bpmn:messageEventDefinition messageRef="M_call"/>', false) +
        userTask('callBack', { user: 'tech2' }) +
        end() +
        flows('s->handle', 'handle->e', 'customerCalls->callBack', 'callBack->e'),
      { roots: message('call') },
    );
    e.message('call');
    e.message('call');
    expect(openNodes(e)).toEqual(['handle', 'callBack', 'callBack']);
  });
});

describe('embedded sub-process', () => {
  const inner = start('ss') + userTask('diagnose') + userTask('repair', { user: 'tech2' }) + end('se');
  const body = (extra = '') =>
    start() +
    subProcess('onSite', inner, flows('ss->diagnose', 'diagnose->repair', 'repair->se')) +
    extra +
    userTask('close') +
    end() +
    flows('s->onSite', 'onSite->close', 'close->e');

  it('runs the steps inside in order, then continues after the sub-process', async () => {
    const e = await run(body());
    expect(openNodes(e)).toEqual(['diagnose']);
    e.act('diagnose', 'complete', tech);
    expect(openNodes(e)).toEqual(['repair']);
    e.act('repair', 'complete', tech2);
    expect(openNodes(e)).toEqual(['close']);
    expect(e.state?.scopes).toEqual({});
  });

  it('an interrupting timer on the sub-process cancels whatever runs inside', async () => {
    const e = await run(
      body(boundary('slow', 'onSite', timerDef('timeDuration', 'PT8H')) + userTask('dispatchAgain') + flows('slow->dispatchAgain', 'dispatchAgain->e')),
    );
    e.act('diagnose', 'complete', tech);
    e.advance(8 * HOUR);
    expect(openNodes(e)).toEqual(['dispatchAgain']);
    expect(outcomes(e)).toEqual(['diagnose:completed', 'repair:interrupted']);
    expect(e.state?.scopes).toEqual({});
  });
});

describe('call activity', () => {
  const call = (wait: string) =>
    '<bpmn:callActivity id="split"><bpmn:extensionElements><tk:status status="处理中" statusCategory="pending"/>' +
    `<tk:call ticketType="repair" wait="${wait}">{"title":{"cat":["Fix: ",{"var":"data.title"}]},"parent":{"var":"ticket.id"},"qty":2}</tk:call>` +
    '</bpmn:extensionElements></bpmn:callActivity>';
  const body = (wait: string) => start() + call(wait) + userTask('revisit') + end() + flows('s->split', 'split->revisit', 'revisit->e');

  it('asks for a child ticket with its data mapped by rules, and waits until it is done', async () => {
    const e = await run(body('all'), { ticket: { id: 'REQ-1', data: { title: 'leak' } } });
    expect(e.children).toEqual([{ token: expect.any(String), ticketType: 'repair', data: { title: 'Fix: leak', parent: 'REQ-1', qty: 2 }, index: 0 }]);
    expect(e.status).toEqual({ status: '处理中', statusCategory: 'pending' });
    expect(e.tasks()).toEqual([]);
    expect(e.childDone('no-such-token', 'c0').changed).toBe(false);
    e.childDone(e.children[0]?.token as string, 'CHILD-1');
    expect(openNodes(e)).toEqual(['revisit']);
  });

  it('with wait="none" the parent goes on at once', async () => {
    const e = await run(body('none'), { ticket: { data: { title: 'leak' } } });
    expect(e.children).toHaveLength(1);
    expect(openNodes(e)).toEqual(['revisit']);
  });
});

describe('multi-instance', () => {
  it('a parallel user task with loopCardinality opens that many steps at once and continues after the last', async () => {
    const e = await run(
      start() +
        userTask('inspect', { loop: loop('', '<bpmn:loopCardinality>3</bpmn:loopCardinality>') }) +
        userTask('report') +
        end() +
        flows('s->inspect', 'inspect->report', 'report->e'),
    );
    const tasks = e.tasks('inspect');
    expect(tasks.map((t) => t.vars?.loopCounter)).toEqual([0, 1, 2]);
    e.act(tasks[0]?.id as string, 'complete', tech);
    e.act(tasks[2]?.id as string, 'complete', tech);
    expect(openNodes(e)).toEqual(['inspect']);
    e.act(tasks[1]?.id as string, 'complete', tech);
    expect(openNodes(e)).toEqual(['report']);
    expect(e.state?.scopes).toEqual({});
  });

  it('a loopCardinality rule counts from the ticket', async () => {
    const e = await run(
      start() +
        userTask('inspect', { loop: loop('', '<bpmn:loopCardinality>{"var":"data.floors"}</bpmn:loopCardinality>') }) +
        end() +
        flows('s->inspect', 'inspect->e'),
      { ticket: { data: { floors: 4 } } },
    );
    expect(e.tasks('inspect')).toHaveLength(4);
  });

  it('a sequential loop over a tk:collection opens one step per item, each seeing its item', async () => {
    const e = await run(
      start() +
        userTask('visit', { loop: loop('isSequential="true" tk:collection="data.sites" tk:elementVariable="site"') }) +
        userTask('report') +
        end() +
        flows('s->visit', 'visit->report', 'report->e'),
      { ticket: { data: { sites: ['north', 'south'] } } },
    );
    expect(e.tasks('visit').map((t) => t.vars)).toEqual([{ loopCounter: 0, site: 'north' }]);
    e.act('visit', 'complete', tech);
    expect(e.tasks('visit').map((t) => t.vars)).toEqual([{ loopCounter: 1, site: 'south' }]);
    e.act('visit', 'complete', tech);
    expect(openNodes(e)).toEqual(['report']);
  });

  it('an empty collection skips the activity', async () => {
    const e = await run(
      start() + userTask('visit', { loop: loop('tk:collection="data.sites"') }) + userTask('report') + end() + flows('s->visit', 'visit->report', 'report->e'),
      { ticket: { data: { sites: [] } } },
    );
    expect(openNodes(e)).toEqual(['report']);
  });

  it('a completion condition ends the activity early and cancels the steps still open', async () => {
    const e = await run(
      start() +
        userTask('quote', {
          loop: loop(
            '',
            '<bpmn:loopCardinality>4</bpmn:loopCardinality><bpmn:completionCondition>{">=":[{"var":"nrOfCompletedInstances"},2]}</bpmn:completionCondition>',
          ),
        }) +
        userTask('choose') +
        end() +
        flows('s->quote', 'quote->choose', 'choose->e'),
    );
    const [a, b] = e.tasks('quote');
    e.act(a?.id as string, 'complete', tech);
    expect(e.tasks('quote')).toHaveLength(3);
    e.act(b?.id as string, 'complete', tech);
    expect(openNodes(e)).toEqual(['choose']);
    expect(outcomes(e).sort()).toEqual(['quote:completed', 'quote:completed', 'quote:completionCondition', 'quote:completionCondition']);
  });

  const perSite = (extra = '') =>
    start() +
    subProcess(
      'siteWork',
      start('ss') +
        gateway('exclusive', 'kind', 'default="fPlain"') +
        userTask('climb', { user: 'tech2' }) +
        userTask('fix') +
        end('boom', '<bpmn:errorEventDefinition errorRef="E_unsafe"/>') +
        end('se'),
      flows('ss->kind', 'kind-{"==":[{"var":"site.roof"},true]}->climb', 'kind-[fPlain]->fix', 'climb->boom', 'fix->se') +
        loop('tk:collection="data.sites" tk:elementVariable="site"'),
    ) +
    extra +
    userTask('report') +
    end() +
    flows('s->siteWork', 'siteWork->report', 'report->e');

  it('a multi-instance sub-process runs its inside once per item, with the item visible to its rules', async () => {
    const e = await run(perSite(), {
      ticket: { data: { sites: [{ name: 'A' }, { name: 'B', roof: true }, { name: 'C' }] } },
      roots: error('E_unsafe', 'UNSAFE'),
    });
    expect(openNodes(e)).toEqual(['fix', 'climb', 'fix']);
    expect(e.tasks('fix').map((t) => t.vars?.site)).toEqual([{ name: 'A' }, { name: 'C' }]);
    for (const t of e.tasks('fix')) e.act(t.id, 'complete', tech);
    expect(openNodes(e)).toEqual(['climb']);
  });

  it('an error thrown in one instance is caught by the boundary of the whole multi-instance sub-process', async () => {
    const e = await run(
      perSite(boundary('unsafe', 'siteWork', '<bpmn:errorEventDefinition errorRef="E_unsafe"/>') + userTask('safety') + flows('unsafe->safety', 'safety->e')),
      {
        ticket: { data: { sites: [{ name: 'A' }, { name: 'B', roof: true }] } },
        roots: error('E_unsafe', 'UNSAFE'),
      },
    );
    e.act('climb', 'complete', tech2);
    expect(openNodes(e)).toEqual(['safety']);
    expect(outcomes(e)).toEqual(['climb:completed', 'fix:interrupted']);
    expect(e.state?.scopes).toEqual({});
    expect(Object.values(e.state?.tokens ?? {}).map((t) => t.node)).toEqual(['safety']);
  });

  it('a message boundary on a multi-instance step fires once for the activity, not once per instance', async () => {
    const e = await run(
      start() +
        userTask('quote', { loop: loop('', '<bpmn:loopCardinality>3</bpmn:loopCardinality>') }) +
        boundary('withdrawn', 'quote', '<bpmn:messageEventDefinition messageRef="M_withdraw"/>') +
        userTask('apologise') +
        end() +
        flows('s->quote', 'quote->e', 'withdrawn->apologise', 'apologise->e'),
      { roots: message('withdraw') },
    );
    e.message('withdraw');
    expect(openNodes(e)).toEqual(['apologise']);
    expect(outcomes(e)).toEqual(['quote:interrupted', 'quote:interrupted', 'quote:interrupted']);
  });
});

describe('service task', () => {
  it('setFields writes literal values and json-logic results computed from the ticket', async () => {
    const e = await run(
      start() +
        serviceTask('price', 'setFields', {
          'data.total': { '*': [{ var: 'data.qty' }, { var: 'data.unitPrice' }] },
          'data.state': 'priced',
          'data.tags': ['a'],
        }) +
        userTask('a') +
        end() +
        flows('s->price', 'price->a', 'a->e'),
      { ticket: { data: { qty: 3, unitPrice: 25 } } },
    );
    expect(e.ticket.data).toEqual({ qty: 3, unitPrice: 25, total: 75, state: 'priced', tags: ['a'] });
    expect(e.events.find((x) => x.type === 'service.ran')).toEqual({ type: 'service.ran', node: 'price', detail: { action: 'setFields' } });
  });

  it('setFields in a multi-instance service task sees the loop item', async () => {
    const e = await run(
      start() +
        serviceTask('copy', 'setFields', { 'data.last': { var: 'part' } }).replace(
          '</bpmn:serviceTask>',
          `${loop('isSequential="true" tk:collection="data.parts" tk:elementVariable="part"')}</bpmn:serviceTask>`,
        ) +
        end() +
        flows('s->copy', 'copy->e'),
      { ticket: { data: { parts: ['p1', 'p2'] } } },
    );
    expect(e.ticket.data.last).toBe('p2');
  });

  it('runs a plugin action registered by name and writes what it returns', async () => {
    const calls: unknown[] = [];
    const e = await run(start() + serviceTask('reserve', 'erp:reserve', { sku: 'P-1' }) + userTask('a') + end() + flows('s->reserve', 'reserve->a', 'a->e'), {
      ticket: { id: 'T-1' },
      actions: {
        'erp:reserve': (params, ticket) => {
          calls.push([params, ticket.id]);
          return { values: { 'data.reservation': `R-${params.sku}` }, outbox: [{ kind: 'erp', payload: { sku: params.sku } }] };
        },
      },
    });
    expect(calls).toEqual([[{ sku: 'P-1' }, 'T-1']]);
    expect(e.ticket.data.reservation).toBe('R-P-1');
    expect(e.outbox).toEqual([{ kind: 'erp', payload: { sku: 'P-1' } }]);
    expect(openNodes(e)).toEqual(['a']);
  });

  it('refuses with UNKNOWN_ACTION when no plugin registered the action', async () => {
    const e = new MemoryEngine(await compile(start() + serviceTask('reserve', 'erp:reserve', {}) + end() + flows('s->reserve', 'reserve->e')));
    expect(() => e.start()).toThrow(expect.objectContaining({ code: 'UNKNOWN_ACTION', details: { node: 'reserve', action: 'erp:reserve' } }));
    expect(e.state).toBeUndefined();
  });
});

describe('business rule task', () => {
  it('writes the result of its json-logic rule to the target, which later flows can read', async () => {
    const rule = '{"if":[{">":[{"var":"data.amount"},1000]},"high","normal"]}';
    const body =
      start() +
      `<bpmn:businessRuleTask id="rate"><bpmn:extensionElements><tk:rule target="data.priority">${rule}</tk:rule></bpmn:extensionElements></bpmn:businessRuleTask>` +
      gateway('exclusive', 'gw', 'default="fNormal"') +
      userTask('expedite') +
      userTask('queue') +
      end() +
      flows('s->rate', 'rate->gw', 'gw-{"==":[{"var":"data.priority"},"high"]}->expedite', 'gw-[fNormal]->queue', 'expedite->e', 'queue->e');
    const high = await run(body, { ticket: { data: { amount: 5000 } } });
    expect(high.ticket.data.priority).toBe('high');
    expect(openNodes(high)).toEqual(['expedite']);
    const normal = await run(body, { ticket: { data: { amount: 5 } } });
    expect(normal.ticket.data.priority).toBe('normal');
    expect(openNodes(normal)).toEqual(['queue']);
  });
});

describe('conditions on flows leaving a task', () => {
  const body =
    start() +
    '<bpmn:userTask id="check" default="fSlow"><bpmn:extensionElements><tk:task><tk:assignee rule="user" ref="tech"/><tk:fields editable="data.*"/></tk:task></bpmn:extensionElements></bpmn:userTask>' +
    userTask('fast') +
    userTask('notify') +
    userTask('slow') +
    end() +
    flows('s->check', 'check-{"var":"data.urgent"}->fast', 'check-{"var":"data.vip"}->notify', 'check-[fSlow]->slow', 'fast->e', 'notify->e', 'slow->e');

  it('follows every flow whose condition holds after the step is done', async () => {
    const e = await run(body);
    e.act('check', 'complete', tech, { values: { 'data.urgent': true, 'data.vip': true } });
    expect(openNodes(e)).toEqual(['fast', 'notify']);
  });

  it('follows the default flow when no condition holds', async () => {
    const e = await run(body);
    e.act('check', 'complete', tech, { values: { 'data.urgent': false } });
    expect(openNodes(e)).toEqual(['slow']);
  });
});
