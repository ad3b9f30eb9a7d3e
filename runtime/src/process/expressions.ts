import { issue } from '../definitions/issues.ts';
import { inspectRule } from '../definitions/json-logic.ts';
import { DURATION_PATTERN } from '../definitions/schema-kit.ts';

/** Why a text value in the BPMN is wrong, in both languages. */
export interface Problem {
  reason: string;
  reasonZh: string;
}

const DURATION = new RegExp(DURATION_PATTERN);
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/;
const CYCLE = /^R(\d*)\/(.+)$/;

export const isDuration = (text: string) => DURATION.test(text);

/**
 * A json-logic rule checked like every other rule (json-logic.ts: known operators, no
 * `method`, variables under the rule context). `locals` are extra variable roots the
 * engine provides where the rule runs, e.g. a multi-instance element variable.
 */
export function ruleProblem(rule: unknown, locals: readonly string[] = []): Problem | undefined {
  const problem = inspectRule(rule).problems.find(
    (p) => !(p.code === 'DEF_RULE_UNKNOWN_VARIABLE' && locals.includes(String(p.params.variable).split('.')[0] as string)),
  );
  if (!problem) return undefined;
  const { message } = issue({ code: problem.code, pointer: '', params: problem.params });
  return { reason: message.en, reasonZh: message['zh-CN'] };
}

/** Parses a JSON body; the problem says why it is not JSON. */
export function parseJson(body: string | undefined): { value?: unknown; problem?: Problem } {
  const text = body?.trim() ?? '';
  if (text === '') return { problem: { reason: 'it is empty', reasonZh: '内容为空' } };
  try {
    return { value: JSON.parse(text) };
  } catch (e) {
    return { problem: { reason: `not JSON (${(e as Error).message})`, reasonZh: '不是有效的 JSON' } };
  }
}

/** A rule written as the text body of an element (flow condition, completion condition, tk:rule). */
export function ruleBodyProblem(body: string | undefined, locals: readonly string[] = []): Problem | undefined {
  const parsed = parseJson(body);
  return parsed.problem ?? ruleProblem(parsed.value, locals);
}

export const isJsonObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

export type TimerKind = 'timeDuration' | 'timeDate' | 'timeCycle';

/** Timer values the engine runs: a duration, an ISO date-time, or R[n]/duration. */
export function timerProblem(kind: TimerKind, text: string): Problem | undefined {
  if (kind === 'timeDuration' && !isDuration(text)) {
    return {
      reason: `timeDuration "${text}" is not an ISO 8601 duration such as PT2H or P1D`,
      reasonZh: `timeDuration "${text}" 不是 ISO 8601 时长（如 PT2H、P1D）`,
    };
  }
  if (kind === 'timeDate' && !(DATE_TIME.test(text) && !Number.isNaN(Date.parse(text)))) {
    return {
      reason: `timeDate "${text}" is not an ISO 8601 date-time such as 2025-01-31T09:00:00+08:00`,
      reasonZh: `timeDate "${text}" 不是 ISO 8601 日期时间（如 2025-01-31T09:00:00+08:00）`,
    };
  }
  if (kind === 'timeCycle') {
    const m = CYCLE.exec(text);
    if (!m || (m[1] !== '' && Number(m[1]) < 1) || !isDuration(m[2] as string)) {
      return { reason: `timeCycle "${text}" must be R<n>/<duration>, e.g. R3/PT1H`, reasonZh: `timeCycle "${text}" 必须形如 R<次数>/<时长>，例如 R3/PT1H` };
    }
  }
  return undefined;
}
