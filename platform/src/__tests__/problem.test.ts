import { ConflictError, ForbiddenError, InputError, StateError } from '@docket/runtime';
import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { toProblem } from '../http/problem.ts';

const req = { url: '/api/tickets/t1/actions', headers: {} } as FastifyRequest;

describe('engine errors as problem+json', () => {
  it('a lost race and a late action on a finished step are both 409 with their own codes', () => {
    expect(toProblem(new ConflictError('changed'), req)).toMatchObject({ status: 409, code: 'CONFLICT', type: 'urn:docket:error:CONFLICT' });
    expect(toProblem(new ConflictError('finished', { task: 'k3' }, 'TASK_ALREADY_COMPLETED'), req)).toMatchObject({
      status: 409,
      code: 'TASK_ALREADY_COMPLETED',
    });
  });

  it('an action the step does not offer is 403 and names what is allowed', () => {
    const p = toProblem(new ForbiddenError('not yours', { task: 'k3', action: 'complete', allowed: ['claim'] }, 'ACTION_NOT_ALLOWED'), req);
    expect(p).toMatchObject({ status: 403, code: 'ACTION_NOT_ALLOWED', allowed: ['claim'] });
  });

  it('a field the step does not make editable is 400 naming the field; a gateway with no way out is 409', () => {
    expect(toProblem(new InputError('FIELD_NOT_EDITABLE', 'no', { fields: ['data.customer'] }), req)).toMatchObject({
      status: 400,
      code: 'FIELD_NOT_EDITABLE',
      fields: ['data.customer'],
    });
    expect(toProblem(new StateError('NO_OUTGOING_FLOW', 'stuck', { node: 'gw' }), req)).toMatchObject({ status: 409, code: 'NO_OUTGOING_FLOW', node: 'gw' });
  });
});

describe('calendar and duration errors as problem+json', () => {
  it('a malformed duration is 400 and a calendar that is never open is 409, not 500', async () => {
    const { DocketError } = await import('@docket/runtime');
    expect(toProblem(new DocketError('BAD_DURATION', 'Invalid duration "P1Y"', { duration: 'P1Y' }), req)).toMatchObject({ status: 400, code: 'BAD_DURATION' });
    expect(toProblem(new DocketError('CALENDAR_NEVER_OPEN', 'never open'), req)).toMatchObject({ status: 409, code: 'CALENDAR_NEVER_OPEN' });
  });
});
