import Handlebars from 'handlebars';
import { CHOICE_FIELD_TYPES } from './field-types.ts';
import { type DefinitionIssue, type IssueInput, issue, pointer } from './issues.ts';
import { inspectRule } from './json-logic.ts';
import type { DefinitionDocument, DictionaryItem, DocumentsByKind, Kind } from './kinds/index.ts';
import { SYSTEM_COLUMNS } from './kinds/ticket-type.ts';

/**
 * Checks that need the whole document but nothing outside it. Runs only on documents
 * that passed the schema, so shapes can be trusted here.
 */
type Check<K extends Kind> = (doc: DocumentsByKind[K], out: IssueInput[]) => void;
type AnyField = { key: string; type: string; [k: string]: unknown };

const RULE_PROPS = ['required', 'visible', 'readOnly', 'expression'] as const;

/** Field-level checks for one form-like list; `root` is the rule-context root its values live under. */
function checkFields(fields: readonly AnyField[], base: string, out: IssueInput[], known: Map<string, Set<string>>, root: string) {
  const seen = new Map<string, number>();
  fields.forEach((f, i) => {
    const at = `${base}/${i}`;
    const prev = seen.get(f.key);
    if (prev !== undefined) out.push({ code: 'DEF_DUPLICATE_KEY', pointer: `${at}/key`, params: { key: f.key, other: `${base}/${prev}/key` } });
    else seen.set(f.key, i);
    if (CHOICE_FIELD_TYPES.has(f.type) && (f.options === undefined) === (f.dictionary === undefined)) {
      out.push({ code: 'DEF_OPTIONS_SOURCE', pointer: at, params: { type: f.type } });
    }
    if (f.type === 'subTable')
      checkFields(f.fields as AnyField[], `${at}/fields`, out, new Map([...known, ['row', new Set((f.fields as AnyField[]).map((c) => c.key))]]), root);
    for (const [lo, hi] of [
      ['min', 'max'],
      ['minLength', 'maxLength'],
      ['minItems', 'maxItems'],
      ['minRows', 'maxRows'],
    ] as const) {
      const a = f[lo];
      const b = f[hi];
      if (typeof a === 'number' && typeof b === 'number' && a > b) {
        out.push({
          code: 'DEF_INVALID_RANGE',
          pointer: `${at}/${lo}`,
          params: { reason: `${lo} (${a}) is greater than ${hi} (${b})`, reasonZh: `${lo}（${a}）大于 ${hi}（${b}）` },
        });
      }
    }
    if (f.type === 'serialNumber') checkNumbering(String(f.pattern), `${at}/pattern`, out);
    for (const prop of RULE_PROPS) if (f[prop] !== undefined) checkRuleFields(f[prop], `${at}/${prop}`, out, known);
  });
}

/** A rule that reads data.x / receipt.x must name a field that exists there. */
function checkRuleFields(rule: unknown, at: string, out: IssueInput[], known: Map<string, Set<string>>) {
  for (const v of inspectRule(rule).variables) {
    const [root, field] = v.name.split('.');
    const fields = known.get(root as string);
    if (fields && field !== undefined && !fields.has(field)) {
      out.push({ code: 'DEF_RULE_UNKNOWN_FIELD', pointer: at + pointer(...v.path), params: { variable: v.name, field } });
    }
  }
}

const NUMBERING_TOKEN = /\{(yyyy|yy|MM|dd|yyyyMMdd|yyMMdd|orgUnit|seq:(\d{1,2}))\}/g;
export function checkNumbering(pattern: string, at: string, out: IssueInput[]) {
  const seqs = [...pattern.matchAll(NUMBERING_TOKEN)].filter((m) => m[2] !== undefined);
  const leftover = pattern.replace(NUMBERING_TOKEN, '');
  const bad = (reason: string, reasonZh: string) => out.push({ code: 'DEF_NUMBERING_PATTERN', pointer: at, params: { pattern, reason, reasonZh } });
  if (/[{}]/.test(leftover))
    bad(
      'unknown token; use {yyyy} {yy} {MM} {dd} {yyyyMMdd} {yyMMdd} {orgUnit} {seq:N}',
      '存在未知占位符，可用 {yyyy} {yy} {MM} {dd} {yyyyMMdd} {yyMMdd} {orgUnit} {seq:N}',
    );
  if (seqs.length !== 1) bad('needs exactly one {seq:N}', '必须且只能包含一个 {seq:N}');
  const width = Number(seqs[0]?.[2] ?? 1);
  if (seqs.length === 1 && (width < 1 || width > 12)) bad('{seq:N} width must be 1..12', '{seq:N} 位数必须在 1 到 12 之间');
}

function collectValues(items: readonly DictionaryItem[], base: string, seen: Map<string, string>, out: IssueInput[], tree: boolean) {
  items.forEach((item, i) => {
    const at = `${base}/${i}`;
    const other = seen.get(item.value);
    if (other !== undefined) out.push({ code: 'DEF_DUPLICATE_KEY', pointer: `${at}/value`, params: { key: item.value, other } });
    else seen.set(item.value, `${at}/value`);
    if (item.children?.length) {
      if (!tree) out.push({ code: 'DEF_TREE_NOT_ALLOWED', pointer: `${at}/children` });
      collectValues(item.children, `${at}/children`, seen, out, tree);
    }
  });
}

const WHERE_ZH: Record<string, string> = { form: '表单', component: '组件', 'record type': '记录类型' };
const unknownField = (field: string, at: string, where: string): IssueInput => ({
  code: 'DEF_UNKNOWN_FIELD',
  pointer: at,
  params: { field, where, whereZh: WHERE_ZH[where] },
});

function fieldKeys(fields: readonly { key: string; type: string }[] | undefined) {
  return new Set((fields ?? []).filter((f) => f.type !== 'section').map((f) => f.key));
}

const CHECKS: { [K in Kind]?: Check<K> } = {
  ticketType(doc, out) {
    const data = fieldKeys(doc.form.fields);
    const receipt = fieldKeys(doc.receiptForm?.fields);
    const known = new Map([
      ['data', data],
      ['receipt', receipt],
    ]);
    checkFields(doc.form.fields as AnyField[], '/form/fields', out, known, 'data');
    if (doc.receiptForm) checkFields(doc.receiptForm.fields as AnyField[], '/receiptForm/fields', out, known, 'receipt');
    if (doc.numbering) checkNumbering(doc.numbering.pattern, '/numbering/pattern', out);
    doc.listColumns?.forEach((c, i) => {
      if (!(SYSTEM_COLUMNS as readonly string[]).includes(c) && !data.has(c)) {
        out.push({ code: 'DEF_UNKNOWN_COLUMN', pointer: `/listColumns/${i}`, params: { column: c, allowed: SYSTEM_COLUMNS } });
      }
    });
    if (doc.titleField && !data.has(doc.titleField)) out.push(unknownField(doc.titleField, '/titleField', 'form'));
    doc.portal?.fields?.forEach((f, i) => {
      if (!data.has(f)) out.push(unknownField(f, `/portal/fields/${i}`, 'form'));
    });
  },
  component(doc, out) {
    const keys = fieldKeys(doc.fields);
    checkFields(doc.fields as AnyField[], '/fields', out, new Map([['row', keys]]), 'row');
    doc.summaryFields?.forEach((f, i) => {
      if (!keys.has(f)) out.push(unknownField(f, `/summaryFields/${i}`, 'component'));
    });
    if (doc.rows === 'single' && (doc.maxRows ?? 1) !== 1) {
      out.push({
        code: 'DEF_INVALID_RANGE',
        pointer: '/maxRows',
        params: { reason: 'a single-row component has at most one row', reasonZh: '单行组件最多只有一行' },
      });
    }
  },
  recordType(doc, out) {
    const keys = fieldKeys(doc.fields);
    checkFields(doc.fields as AnyField[], '/fields', out, new Map([['data', keys]]), 'data');
    if (doc.numbering) checkNumbering(doc.numbering.pattern, '/numbering/pattern', out);
    const mustExist = (f: string, at: string) => {
      if (!keys.has(f)) out.push(unknownField(f, at, 'record type'));
    };
    mustExist(doc.titleField, '/titleField');
    doc.uniqueness?.forEach((u, i) => {
      u.fields.forEach((f, j) => mustExist(f, `/uniqueness/${i}/fields/${j}`));
      u.scope?.forEach((f, j) => mustExist(f, `/uniqueness/${i}/scope/${j}`));
    });
    doc.listColumns?.forEach((f, i) => mustExist(f, `/listColumns/${i}`));
  },
  field(doc, out) {
    checkFields([{ ...(doc as unknown as AnyField), key: 'value' }], '', out, new Map(), 'data');
    // checkFields reports under "/0": re-anchor at the document root.
    for (const o of out) o.pointer = o.pointer.replace(/^\/0/, '');
  },
  dictionary(doc, out) {
    collectValues(doc.items, '/items', new Map(), out, doc.tree === true);
  },
  messageTemplate(doc, out) {
    const declared = new Set(doc.parameters.map((p) => p.name));
    for (const [prop, text] of [
      ['body', doc.body],
      ['subject', doc.subject],
    ] as const) {
      if (text === undefined) continue;
      try {
        for (const name of templateVariables(Handlebars.parse(text))) {
          if (!declared.has(name) && !declared.has(name.split('.')[0] as string)) {
            out.push({ code: 'DEF_UNDECLARED_PARAMETER', pointer: `/${prop}`, params: { parameter: name } });
          }
        }
      } catch (e) {
        out.push({ code: 'DEF_INVALID_TEMPLATE', pointer: `/${prop}`, params: { reason: (e as Error).message.split('\n')[0] } });
      }
    }
  },
  schedule(doc, out) {
    if ((doc.cron === undefined) === (doc.rrule === undefined)) out.push({ code: 'DEF_CRON_OR_RRULE', pointer: '' });
    if (doc.startDate && doc.endDate && doc.startDate > doc.endDate) {
      out.push({ code: 'DEF_INVALID_RANGE', pointer: '/endDate', params: { reason: 'endDate is before startDate', reasonZh: '结束日期早于开始日期' } });
    }
  },
  calendar(doc, out) {
    for (const [day, hours] of Object.entries(doc.week)) {
      hours?.forEach((h, i) => {
        if (h.from >= h.to)
          out.push({
            code: 'DEF_INVALID_RANGE',
            pointer: `/week/${day}/${i}`,
            params: { reason: `${h.from} is not before ${h.to}`, reasonZh: `${h.from} 不早于 ${h.to}` },
          });
      });
    }
  },
};

/** Names of the variables a handlebars template reads (helpers and block params excluded). */
function templateVariables(ast: hbs.AST.Program): Set<string> {
  const names = new Set<string>();
  const visit = (node: unknown, depth: number): void => {
    if (!node || typeof node !== 'object') return;
    const n = node as Record<string, unknown> & { type?: string };
    if (n.type === 'PathExpression') {
      const p = n as unknown as hbs.AST.PathExpression;
      if (!p.data && depth === 0 && p.original !== 'this' && !p.original.startsWith('this.')) names.add(p.parts.join('.'));
      return;
    }
    if (n.type === 'MustacheStatement' || n.type === 'SubExpression' || n.type === 'BlockStatement') {
      const m = n as unknown as hbs.AST.MustacheStatement & { program?: unknown; inverse?: unknown };
      // With params, the path is a helper name; its arguments are the variables.
      if ((m.params?.length ?? 0) === 0 && (m.hash?.pairs.length ?? 0) === 0 && n.type === 'MustacheStatement') visit(m.path, depth);
      for (const p of m.params ?? []) visit(p, depth);
      for (const pair of m.hash?.pairs ?? []) visit(pair.value, depth);
      // Inside #each/#with the context changes; names there are relative and not checked.
      const inner = n.type === 'BlockStatement' && ['each', 'with'].includes((m.path as hbs.AST.PathExpression).original) ? depth + 1 : depth;
      visit(m.program, inner);
      visit(m.inverse, depth);
      return;
    }
    for (const v of Object.values(n)) {
      if (Array.isArray(v)) for (const c of v) visit(c, depth);
      else if (v && typeof v === 'object' && 'type' in v) visit(v, depth);
    }
  };
  visit(ast, 0);
  return names;
}

export function checkSemantics(doc: DefinitionDocument): DefinitionIssue[] {
  const out: IssueInput[] = [];
  const check = CHECKS[doc.kind] as Check<Kind> | undefined;
  check?.(doc, out);
  return out.map(issue);
}
