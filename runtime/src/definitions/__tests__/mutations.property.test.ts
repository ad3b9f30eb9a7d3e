/**
 * Property: whatever a user (or a broken client) does to a valid definition, validation
 * answers with well-formed issues and never throws.
 *
 * The pool is the core definitions folder plus one example of every kind. Parsing BPMN
 * costs ~5–10 ms per document (everything else is well under 1 ms), so process documents
 * are picked in about 8 runs in 100 (~800 runs, most of them breaking the XML or the
 * envelope, so few reach a full parse); every other document is picked uniformly.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { type DefinitionIssue, FIELD_TYPES, KIND_NAMES, readDefinitionsFolder, validateDocument } from '../index.ts';
import { CODE, clone, type Doc, EXAMPLES } from './examples.ts';

const CORE = new URL('../../../../definitions/', import.meta.url).pathname;
const RUNS = 10_000;
const HAN = /\p{Script=Han}/u;

type Json = unknown;
type Container = Record<string, Json> | Json[];
/** A place in a document: the container and the key (or index) inside it. */
interface Slot {
  parent: Container;
  key: string | number;
}

function containers(root: Json): Container[] {
  const out: Container[] = [];
  const walk = (v: Json) => {
    if (v === null || typeof v !== 'object') return;
    out.push(v as Container);
    for (const c of Object.values(v)) walk(c);
  };
  walk(root);
  return out;
}
function slots(root: Json, filter: (s: Slot) => boolean = () => true): Slot[] {
  const out: Slot[] = [];
  for (const c of containers(root)) {
    if (Array.isArray(c)) c.forEach((_v, i) => out.push({ parent: c, key: i }));
    else for (const k of Object.keys(c)) out.push({ parent: c, key: k });
  }
  return out.filter(filter);
}
const pick = <T>(list: readonly T[], n: number): T | undefined => (list.length === 0 ? undefined : list[n % list.length]);
/** Sets an own property, even one named "__proto__" (as JSON.parse would). */
function put(parent: Container, key: string | number, value: Json) {
  if (Array.isArray(parent) && typeof key === 'number') parent[key] = value;
  else Object.defineProperty(parent, key, { value, enumerable: true, writable: true, configurable: true });
}
function wrongType(v: Json): Json {
  if (typeof v === 'string') return v.length;
  if (typeof v === 'number') return String(v);
  if (typeof v === 'boolean') return v ? 1 : 'false';
  if (Array.isArray(v)) return Object.fromEntries(v.map((x, i) => [String(i), x]));
  if (v === null) return {};
  return Object.values(v as object);
}

const RULE_KEYS = new Set(['visible', 'required', 'readOnly', 'expression', 'when', 'filter']);

/** json-logic-ish values: mostly well-formed operations, with unknown operators and variables mixed in. */
const ruleArb: fc.Arbitrary<Json> = fc.letrec<{ rule: Json }>((tie) => ({
  rule: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(true, false, null, 0, 'urgent'),
    fc.record({
      var: fc.oneof(
        fc.constantFrom('data.title', 'data.onSite', 'receipt.result', 'row.quantity', 'record.building', 'ticket.status', 'secret', '', 'data'),
        fc.string(),
      ),
    }),
    fc.dictionary(
      fc.oneof(fc.constantFrom('==', 'and', 'or', '!', 'if', 'in', 'some', 'map', 'reduce', 'var', 'method', 'regex', '/', '~'), fc.string({ maxLength: 6 })),
      fc.array(tie('rule'), { maxLength: 3 }),
      { minKeys: 1, maxKeys: 2 },
    ),
    fc.jsonValue({ maxDepth: 2 }),
  ),
})).rule;

const valueArb: fc.Arbitrary<(old: Json) => Json> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).map((v) => () => v),
  fc.constant(wrongType),
  fc.constant(() => '漏'.repeat(200_000)),
  fc.constant(() => 'x'.repeat(5_001)),
  fc.constant(() => null),
  fc.constant((old: Json) => [old]),
  fc.constant(() => []),
  fc.constant(() => ({})),
  fc.constantFrom(-1, 0, 1.5, 1e308, Number.MAX_SAFE_INTEGER + 2, '', ' ', 'PT', '{seq:4}', '__proto__', 'constructor').map((v) => () => v),
);

type Mutation =
  | { op: 'delete'; n: number }
  | { op: 'set'; n: number; value: (old: Json) => Json }
  | { op: 'addUnknown'; n: number; name: string; value: Json }
  | { op: 'kind'; to: string }
  | { op: 'fieldType'; n: number; to: string }
  | { op: 'duplicate'; n: number; m: number }
  | { op: 'rule'; n: number; rule: Json }
  | { op: 'splice'; n: number; at: number; cut: number; insert: string };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('delete' as const), n: fc.nat() }),
  fc.record({ op: fc.constant('set' as const), n: fc.nat(), value: valueArb }),
  fc.record({
    op: fc.constant('addUnknown' as const),
    n: fc.nat(),
    name: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', 'a/b', 'x~1', 'kind', 'version', '')),
    value: fc.jsonValue({ maxDepth: 2 }),
  }),
  fc.record({ op: fc.constant('kind' as const), to: fc.oneof(fc.constantFrom(...KIND_NAMES), fc.string({ maxLength: 12 })) }),
  fc.record({ op: fc.constant('fieldType' as const), n: fc.nat(), to: fc.oneof(fc.constantFrom(...FIELD_TYPES), fc.string({ maxLength: 12 })) }),
  fc.record({ op: fc.constant('duplicate' as const), n: fc.nat(), m: fc.nat() }),
  fc.record({ op: fc.constant('rule' as const), n: fc.nat(), rule: ruleArb }),
  fc.record({
    op: fc.constant('splice' as const),
    n: fc.nat(),
    at: fc.nat(),
    cut: fc.nat({ max: 40 }),
    insert: fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('<', '>', '&', '"', '</bpmn:process>', '{{', '}}', '{seq:', '\\', '\u0000', '\uFFFF')),
  }),
);

/** Applies one mutation in place; `doc` may be replaced (returned). */
function apply(doc: Json, m: Mutation): Json {
  switch (m.op) {
    case 'delete': {
      const s = pick(
        slots(doc, (x) => !Array.isArray(x.parent)),
        m.n,
      );
      if (s) delete (s.parent as Record<string, Json>)[s.key as string];
      return doc;
    }
    case 'set': {
      const s = pick(slots(doc), m.n);
      if (!s) return m.value(doc);
      put(s.parent, s.key, m.value((s.parent as Record<string, Json>)[s.key as string]));
      return doc;
    }
    case 'addUnknown': {
      const objects = containers(doc).filter((c) => !Array.isArray(c));
      const target = pick(objects, m.n);
      if (target) put(target, m.name, m.value);
      return doc;
    }
    case 'kind':
      if (doc && typeof doc === 'object' && !Array.isArray(doc)) (doc as Doc).kind = m.to;
      return doc;
    case 'fieldType': {
      const fields = containers(doc).filter((c): c is Doc => !Array.isArray(c) && typeof c.type === 'string' && 'key' in c);
      const f = pick(fields, m.n);
      if (f) f.type = m.to;
      return doc;
    }
    case 'duplicate': {
      const arrays = containers(doc).filter((c): c is Json[] => Array.isArray(c) && c.length > 0);
      const a = pick(arrays, m.n);
      if (a) a.push(clone(a[m.m % a.length]));
      return doc;
    }
    case 'splice': {
      // Edit a string in place: cut some characters and insert others (BPMN, templates, patterns…).
      const strings = slots(doc, (x) => typeof (x.parent as Record<string, Json>)[x.key as string] === 'string');
      const s = pick(strings, m.n);
      if (s) {
        const old = (s.parent as Record<string, Json>)[s.key as string] as string;
        const at = m.at % (old.length + 1);
        put(s.parent, s.key, old.slice(0, at) + m.insert + old.slice(at + m.cut));
      }
      return doc;
    }
    case 'rule': {
      const ruleSlots = slots(doc, (s) => typeof s.key === 'string' && RULE_KEYS.has(s.key));
      const s = pick(ruleSlots, m.n) ?? pick(slots(doc), m.n);
      if (s) put(s.parent, s.key, clone(m.rule));
      return doc;
    }
  }
}

/** Resolves an RFC 6901 pointer; `undefined` when a segment is missing. */
function resolve(doc: Json, ptr: string): { found: boolean; value?: Json } {
  if (ptr === '') return { found: true, value: doc };
  let cur: Json = doc;
  for (const raw of ptr.slice(1).split('/')) {
    const seg = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, seg)) return { found: false };
    cur = (cur as Record<string, Json>)[seg];
  }
  return { found: true, value: cur };
}

function checkIssue(i: DefinitionIssue, doc: Json) {
  // The pointer leads into the document: everything but its last segment exists (the last
  // may name a missing property).
  const ptr = i.pointer;
  const parent = ptr.slice(0, Math.max(0, ptr.lastIndexOf('/')));
  if (!resolve(doc, parent).found) throw new Error(`${i.code}: pointer ${JSON.stringify(i.pointer)} leads nowhere in the document`);
  if (typeof i.code !== 'string' || !CODE.test(i.code)) throw new Error(`bad code ${JSON.stringify(i.code)}`);
  if (typeof i.pointer !== 'string' || !(i.pointer === '' || i.pointer.startsWith('/'))) throw new Error(`bad pointer ${JSON.stringify(i.pointer)}`);
  if (i.severity !== 'error' && i.severity !== 'warning') throw new Error(`bad severity ${JSON.stringify(i.severity)}`);
  if (typeof i.message?.en !== 'string' || i.message.en.trim() === '') throw new Error(`empty en message for ${i.code}`);
  if (typeof i.message['zh-CN'] !== 'string' || !HAN.test(i.message['zh-CN'])) throw new Error(`no zh-CN message for ${i.code}: ${i.message['zh-CN']}`);
  const echoed = JSON.stringify(i.params ?? {}).includes('undefined');
  if (!echoed && (i.message.en.includes('undefined') || i.message['zh-CN'].includes('undefined')))
    throw new Error(`message with "undefined" for ${i.code}: ${i.message.en}`);
}

describe('random mutations of valid definitions', () => {
  let others: Doc[] = [];
  let processes: Doc[] = [];

  beforeAll(async () => {
    const { files, issues } = await readDefinitionsFolder(CORE);
    expect(issues).toEqual([]);
    const pool = [...files.map((f) => f.doc as Doc), ...KIND_NAMES.map((k) => EXAMPLES[k]())];
    for (const doc of pool) expect((await validateDocument(doc)).issues, `${doc.kind}/${doc.key}`).toEqual([]);
    processes = pool.filter((d) => d.kind === 'process');
    others = pool.filter((d) => d.kind !== 'process');
    expect(processes.length).toBeGreaterThanOrEqual(2);
    expect(new Set(others.map((d) => d.kind)).size).toBe(KIND_NAMES.length - 1);
  });

  it(`validateDocument never throws and answers with coded, pointed, bilingual issues (${RUNS.toLocaleString('en')} runs of 1–4 mutations)`, {
    timeout: 180_000,
  }, async () => {
    const docArb = fc.oneof(
      { arbitrary: fc.nat({ max: others.length - 1 }).map((i) => others[i] as Doc), weight: 92 },
      { arbitrary: fc.nat({ max: processes.length - 1 }).map((i) => processes[i] as Doc), weight: 8 },
    );
    let withErrors = 0;
    let clean = 0;
    await fc.assert(
      fc.asyncProperty(docArb, fc.array(mutationArb, { minLength: 1, maxLength: 4 }), async (original, mutations) => {
        let doc: Json = clone(original);
        for (const m of mutations) doc = apply(doc, m);
        const result = await validateDocument(doc);
        expect(Array.isArray(result.issues)).toBe(true);
        for (const i of result.issues) checkIssue(i, doc);
        if (result.issues.some((i) => i.severity === 'error')) {
          withErrors++;
          return;
        }
        clean++;
        // No error: the document is accepted, so the answer must be reproducible.
        const again = await validateDocument(doc);
        expect(again.issues).toEqual(result.issues);
        expect(again.summary).toEqual(result.summary);
        expect(again.doc).toBe(doc);
      }),
      { numRuns: RUNS },
    );
    // The mutations must actually break documents most of the time, and not always.
    expect(withErrors).toBeGreaterThan(RUNS / 2);
    expect(clean).toBeGreaterThan(0);
    console.info(`mutations: ${withErrors} runs with errors, ${clean} accepted`);
  });
});
