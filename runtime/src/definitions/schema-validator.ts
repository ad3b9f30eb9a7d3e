import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { FIELD_TYPES, SHARED_SCHEMAS } from './field-types.ts';
import { type DefinitionIssue, type IssueCode, type IssueInput, issue, pointer } from './issues.ts';
import { inspectRule } from './json-logic.ts';
import { isKind, KIND_NAMES, KINDS, type Kind } from './kinds/index.ts';

// ajv-formats is published as CommonJS with a default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** One ajv instance for the meta-model, with Docket's annotation keywords. */
export function createDefinitionAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, discriminator: true, allowUnionTypes: true });
  addFormats(ajv);
  ajv.addKeyword({ keyword: 'x-code', schemaType: 'string' });
  ajv.addKeyword({
    keyword: 'x-rule',
    schemaType: ['boolean', 'string'],
    errors: true,
    validate: function checkRule(schema: boolean | string, data: unknown) {
      const { problems } = inspectRule(data, schema === 'record');
      if (problems.length === 0) return true;
      (checkRule as unknown as { errors: Partial<ErrorObject>[] }).errors = problems.map((p) => ({
        keyword: 'x-rule',
        message: p.code,
        params: { code: p.code, rulePath: p.path, ...p.params },
      }));
      return false;
    },
  });
  ajv.addKeyword({
    keyword: 'x-regex',
    type: 'string',
    schemaType: 'boolean',
    errors: true,
    validate: function checkRegex(_s: boolean, data: string) {
      try {
        new RegExp(data, 'u');
        return true;
      } catch (e) {
        (checkRegex as unknown as { errors: Partial<ErrorObject>[] }).errors = [
          { keyword: 'x-regex', message: 'DEF_INVALID_REGEX', params: { reason: (e as Error).message } },
        ];
        return false;
      }
    },
  });
  ajv.addKeyword({
    keyword: 'x-timezone',
    type: 'string',
    schemaType: 'boolean',
    validate: (_s: boolean, data: string) => isTimeZone(data),
  });
  for (const schema of SHARED_SCHEMAS) ajv.addSchema(schema);
  return ajv;
}

const zones = new Map<string, boolean>();
/**
 * An IANA zone name as written (Asia/Shanghai, UTC). Offsets like "+08:00" and wrongly
 * cased names pass Intl but mean something else to PostgreSQL, so they are refused.
 * Answers are cached: building an Intl formatter costs ~100 µs.
 */
export function isTimeZone(zone: string): boolean {
  let ok = zones.get(zone);
  if (ok === undefined) {
    try {
      const resolved = new Intl.DateTimeFormat('en', { timeZone: zone }).resolvedOptions().timeZone;
      ok = /^[A-Za-z]/.test(zone) && !(resolved !== zone && resolved.toLowerCase() === zone.toLowerCase());
    } catch {
      ok = false;
    }
    if (zones.size < 10_000) zones.set(zone, ok);
  }
  return ok;
}

const ajv = createDefinitionAjv();
const validators = new Map<Kind, ValidateFunction>();
/** Compiled on first use: start-up pays only for the kinds it meets. */
export function kindValidator(kind: Kind): ValidateFunction {
  let v = validators.get(kind);
  if (!v) {
    v = ajv.compile(KINDS[kind].schema);
    validators.set(kind, v);
  }
  return v;
}

const RANGE_ZH: Record<string, (limit: unknown) => string> = {
  minLength: (l) => `长度不能少于 ${l}`,
  maxLength: (l) => `长度不能超过 ${l}`,
  minimum: (l) => `不能小于 ${l}`,
  maximum: (l) => `不能大于 ${l}`,
  exclusiveMinimum: (l) => `必须大于 ${l}`,
  exclusiveMaximum: (l) => `必须小于 ${l}`,
  minItems: (l) => `至少需要 ${l} 项`,
  maxItems: (l) => `不能超过 ${l} 项`,
  minProperties: (l) => `至少需要 ${l} 个属性`,
  maxProperties: (l) => `不能超过 ${l} 个属性`,
};

function toIssue(e: ErrorObject): IssueInput {
  const at = e.instancePath;
  const params = e.params as Record<string, unknown>;
  const xcode = (e.parentSchema as Record<string, unknown> | undefined)?.['x-code'] as IssueCode | undefined;
  if (e.keyword === 'required')
    return { code: 'DEF_MISSING_PROPERTY', pointer: at + pointer(String(params.missingProperty)), params: { property: params.missingProperty } };
  if (xcode) return { code: xcode, pointer: at, params: { value: e.data } };
  switch (e.keyword) {
    case 'additionalProperties':
      return { code: 'DEF_UNKNOWN_PROPERTY', pointer: at + pointer(String(params.additionalProperty)), params: { property: params.additionalProperty } };
    case 'type':
      return { code: 'DEF_WRONG_TYPE', pointer: at, params: { expected: params.type } };
    case 'enum':
      return { code: 'DEF_INVALID_VALUE', pointer: at, params: { allowed: params.allowedValues, value: e.data } };
    case 'const':
      return { code: 'DEF_INVALID_VALUE', pointer: at, params: { allowed: [params.allowedValue], value: e.data } };
    case 'discriminator': {
      const tag = String(params.tag);
      if (params.error === 'mapping' && tag === 'type')
        return { code: 'DEF_UNKNOWN_FIELD_TYPE', pointer: `${at}/type`, params: { type: params.tagValue, allowed: FIELD_TYPES } };
      if (params.error === 'mapping') return { code: 'DEF_INVALID_VALUE', pointer: `${at}/${tag}`, params: { value: params.tagValue } };
      if (params.tagValue !== undefined) return { code: 'DEF_WRONG_TYPE', pointer: `${at}/${tag}`, params: { expected: 'string' } };
      return { code: 'DEF_MISSING_PROPERTY', pointer: `${at}/${tag}`, params: { property: tag } };
    }
    case 'uniqueItems':
      return { code: 'DEF_DUPLICATE_ITEM', pointer: `${at}/${params.j}`, params: { first: params.i } };
    case 'oneOf':
    case 'anyOf':
      return { code: 'DEF_INVALID_SHAPE', pointer: at };
    case 'x-rule':
      return {
        code: params.code as IssueCode,
        pointer: at + pointer(...(params.rulePath as (string | number)[])),
        params: { ...params, code: undefined, rulePath: undefined },
      };
    case 'x-regex':
      return { code: 'DEF_INVALID_REGEX', pointer: at, params: { reason: params.reason } };
    case 'x-timezone':
      return { code: 'DEF_INVALID_TIME_ZONE', pointer: at, params: { value: e.data } };
    case 'pattern':
      return { code: 'DEF_INVALID_FORMAT', pointer: at, params: { format: params.pattern } };
    case 'format':
      return { code: 'DEF_INVALID_FORMAT', pointer: at, params: { format: params.format } };
    default: {
      const zh = RANGE_ZH[e.keyword];
      if (zh) return { code: 'DEF_OUT_OF_RANGE', pointer: at, params: { limit: e.message, limitZh: zh(params.limit), keyword: e.keyword } };
      return { code: 'DEF_INVALID_SHAPE', pointer: at, params: { keyword: e.keyword } };
    }
  }
}

/** Turns ajv's errors into coded issues, dropping the branch noise under a failed anyOf/oneOf. */
export function ajvErrorsToIssues(errors: readonly ErrorObject[]): DefinitionIssue[] {
  const unions = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf').map((e) => `${e.schemaPath}/`);
  const seen = new Set<string>();
  const out: DefinitionIssue[] = [];
  for (const e of errors) {
    if (unions.some((u) => e.schemaPath.startsWith(u))) continue;
    const input = toIssue(e);
    const params = input.params;
    if (params) for (const k of Object.keys(params)) if (params[k] === undefined) delete params[k];
    const id = `${input.code} ${input.pointer}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(issue(input));
  }
  return out;
}

/** Schema validation of one document: kind dispatch, then the kind's compiled schema. */
export function validateSchema(doc: unknown): DefinitionIssue[] {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return [issue({ code: 'DEF_NOT_AN_OBJECT', pointer: '' })];
  const kind = (doc as Record<string, unknown>).kind;
  if (!isKind(kind)) {
    if (kind === undefined) return [issue({ code: 'DEF_MISSING_PROPERTY', pointer: '/kind', params: { property: 'kind' } })];
    return [issue({ code: 'DEF_UNKNOWN_KIND', pointer: '/kind', params: { kind, allowed: KIND_NAMES } })];
  }
  const validate = kindValidator(kind);
  if (validate(doc)) return [];
  return ajvErrorsToIssues(validate.errors ?? []);
}
