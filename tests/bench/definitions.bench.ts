/**
 * `definitions` (BENCHMARKS.md): JSON definitions validated per second through Docket's
 * validator (schema part only: `validateSchema` = kind dispatch, the kind's compiled ajv
 * schema with Docket's keywords, errors mapped to coded issues) against bare ajv compiled
 * from the same TypeBox schemas on the same documents. `ratio_vs_ajv` = Docket / bare,
 * target ≥ 0.5. BPMN parsing (`parseProcessXml`) and cross-reference checks
 * (`checkReferences`) are reported as separate figures.
 *
 * Corpus: see definitions-corpus.ts (core definitions/ plus generated documents of
 * realistic size, ~10% invalid).
 */
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { BpmnModdle } from 'bpmn-moddle';
import * as definitions from '../../runtime/src/definitions/index.ts';
import {
  checkReferences,
  KIND_NAMES,
  KINDS,
  type Kind,
  parseProcessXml,
  type SetMember,
  validateDocument,
  validateSchema,
} from '../../runtime/src/definitions/index.ts';
import { buildCorpus, generatedBpmn } from './definitions-corpus.ts';
import { calibrate, measure, median, perSecond, printHeader, printResult, QUICK, REPEATS, round } from './lib.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
/** Absent in trees where every kind schema is self-contained. */
const SHARED_SCHEMAS = ((definitions as Record<string, unknown>).SHARED_SCHEMAS ?? []) as object[];
const TARGET_MS = QUICK ? 50 : 1000;
/**
 * ajv generates large validators here (the field union alone has ~33 variants); V8 takes
 * seconds of running to bring them to its top tier, so each side of the validation
 * figures first runs this long untimed.
 */
const WARMUP_MS = QUICK ? 0 : 5000;
/** Sides take turns in slices this long within each timed run (see compare). */
const SLICE_MS = QUICK ? 10 : 50;

// ── the peer: bare ajv from the same schemas ──

/**
 * Same options as Docket minus `verbose` and `strict: true`. Docket's annotation keywords
 * are registered as no-op keywords (no validate/code), so the peer compiles them to
 * nothing: it skips the rule, regex and time-zone checks Docket makes, which is the
 * overhead this ratio is meant to show. (strict: false alone would do the same; the
 * explicit keywords keep the peer working if someone flips strict on.)
 */
function peerValidators(): Map<string, ValidateFunction> {
  const ajv = new Ajv({ allErrors: true, strict: false, discriminator: true, allowUnionTypes: true });
  addFormats(ajv);
  ajv.addKeyword({ keyword: 'x-code', schemaType: 'string' });
  ajv.addKeyword({ keyword: 'x-rule', schemaType: ['boolean', 'string'] });
  ajv.addKeyword({ keyword: 'x-regex', schemaType: 'boolean' });
  ajv.addKeyword({ keyword: 'x-timezone', schemaType: 'boolean' });
  // Schemas the kinds refer to by $ref (e.g. the field union), registered as Docket does.
  for (const schema of SHARED_SCHEMAS) ajv.addSchema(schema);
  return new Map(KIND_NAMES.map((k) => [k, ajv.compile(KINDS[k].schema)]));
}
const peer = peerValidators();
const peerValidate = (doc: unknown): boolean => {
  const v = peer.get((doc as { kind?: string } | null)?.kind as string);
  return v !== undefined && v(doc) === true;
};

// ── corpus ──

const corpus = await buildCorpus();
const docs = corpus.map((c) => c.doc);
const N = docs.length;

const facts = printHeader('definitions', {
  corpus: `${N} documents, ${Math.round(JSON.stringify(docs).length / 1024)} KiB of JSON`,
  repeats: `${REPEATS} timed runs per figure, each ≥ ${TARGET_MS} ms per side in ${SLICE_MS} ms slices alternating with the other side; validators first run ${WARMUP_MS / 1000} s untimed per side; medians reported`,
});

// Both sides must agree on which documents are valid, and match what the corpus intends.
const docketValid = docs.map((d) => validateSchema(d).length === 0);
const peerValid = docs.map((d) => peerValidate(d));
const invalidCount = docketValid.filter((v) => !v).length;
const disagreements = corpus
  .map((c, i) => ({ source: c.source, intended: c.intendedValid, docket: docketValid[i], ajv: peerValid[i] }))
  .filter((r) => r.docket !== r.ajv || r.docket !== r.intended);
for (const d of disagreements) {
  console.log(
    `! ${d.source}: intended ${d.intended ? 'valid' : 'invalid'}, Docket says ${d.docket ? 'valid' : 'invalid'}, ajv says ${d.ajv ? 'valid' : 'invalid'}`,
  );
}
console.log(`# ${N - invalidCount} valid, ${invalidCount} invalid (${round((invalidCount / N) * 100)}%)`);

// ── timing helpers ──

/** One side of a comparison: `pass` handles `items` items (sync or async). */
interface Side {
  label: string;
  pass: () => unknown;
  items: number;
}

/**
 * Timed comparison of sides on a noisy machine. Each timed run of a side lasts
 * ≥ TARGET_MS, but is made of short slices (~SLICE_MS) taken in turn with the other sides
 * (A B A B …), so a burst of load from elsewhere hits every side alike. Returns, per side,
 * the items/s of every run and their median, and per run side 0's rate over side 1's.
 */
async function compare(sides: Side[], warmupMs = 0): Promise<{ rates: number[]; runs: number[][]; ratios: number[] }> {
  for (const s of sides) {
    const t0 = performance.now();
    while (performance.now() - t0 < warmupMs) await s.pass();
  }
  const loops: number[] = [];
  for (const s of sides) loops.push(await calibrate(s.pass, SLICE_MS));
  const rounds = Math.ceil(TARGET_MS / SLICE_MS);
  const runs: number[][] = sides.map(() => []);
  const ratios: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const ms = sides.map(() => 0);
    for (let round = 0; round < rounds; round++) {
      for (const [i, s] of sides.entries()) {
        const n = loops[i] as number;
        const [d] = await measure(
          async () => {
            for (let k = 0; k < n; k++) {
              const p = s.pass();
              if (p instanceof Promise) await p;
            }
          },
          { repeats: 1, warmup: 0 },
        );
        ms[i] = (ms[i] as number) + (d as number);
      }
    }
    for (const [i, s] of sides.entries()) (runs[i] as number[]).push(perSecond(rounds * (loops[i] as number) * s.items, ms[i] as number));
    const rate = (i: number) => (runs[i] as number[])[r] as number;
    ratios.push(rate(0) / rate(sides.length > 1 ? 1 : 0));
  }
  return { rates: runs.map((r) => median(r)), runs, ratios };
}

const fmt = (x: number) => round(x).toLocaleString('en-US');
const spread = (xs: number[]) => `min ${fmt(Math.min(...xs))}, max ${fmt(Math.max(...xs))}`;

let sink = 0;
const docketPass = (list: readonly unknown[]) => () => {
  for (const d of list) sink += validateSchema(d).length;
};
const peerPass = (list: readonly unknown[]) => () => {
  for (const d of list) sink += peerValidate(d) ? 0 : 1;
};

// ── 1. schema validation, the whole corpus (the headline figure) ──

const main = await compare(
  [
    { label: 'docket', pass: docketPass(docs), items: N },
    { label: 'ajv', pass: peerPass(docs), items: N },
  ],
  WARMUP_MS,
);
const [docketRate, peerRate] = main.rates as [number, number];
// Median of the per-run ratios (both sides measured in the same interleaved run), which
// cancels load bursts better than the ratio of the two medians; both are printed.
const ratio = median(main.ratios);
console.log(`Docket validateSchema : ${fmt(docketRate)} docs/s (${spread(main.runs[0] as number[])})`);
console.log(`bare ajv              : ${fmt(peerRate)} docs/s (${spread(main.runs[1] as number[])})`);
console.log(`ratio_vs_ajv          : ${round(ratio)} (median of per-run ratios; ratio of medians ${round(docketRate / peerRate)}; target ≥ 0.5)`);

// ── 1b. the same split into valid and invalid documents, to show where the time goes ──

const validDocs = docs.filter((_, i) => docketValid[i]);
const invalidDocs = docs.filter((_, i) => !docketValid[i]);
const valid = await compare([
  { label: 'docket', pass: docketPass(validDocs), items: validDocs.length },
  { label: 'ajv', pass: peerPass(validDocs), items: validDocs.length },
]);
console.log(
  `  valid docs only     : Docket ${fmt(valid.rates[0] as number)} docs/s, ajv ${fmt(valid.rates[1] as number)} docs/s, ratio ${round(median(valid.ratios))}`,
);
let invalid = { rates: [Number.NaN, Number.NaN], runs: [] as number[][], ratios: [Number.NaN] };
if (invalidDocs.length > 0) {
  invalid = await compare([
    { label: 'docket', pass: docketPass(invalidDocs), items: invalidDocs.length },
    { label: 'ajv', pass: peerPass(invalidDocs), items: invalidDocs.length },
  ]);
  console.log(
    `  invalid docs only   : Docket ${fmt(invalid.rates[0] as number)} docs/s, ajv ${fmt(invalid.rates[1] as number)} docs/s, ratio ${round(median(invalid.ratios))}`,
  );
}

// ── 2. BPMN parsing ──

const coreBpmn = corpus
  .filter((c) => c.source.startsWith('core:') && (c.doc as { kind?: string } | null)?.kind === 'process')
  .map((c) => (c.doc as { bpmn: string }).bpmn);
const bpmnSource = coreBpmn.length > 0 ? `${coreBpmn.length} file(s) in definitions/processes/` : 'a generated 20-task BPMN';
const bpmnFiles = coreBpmn.length > 0 ? coreBpmn : [generatedBpmn(20)];
const bpmn20 = [generatedBpmn(20)];
const sharedModdle = new BpmnModdle();
for (const xml of [...bpmnFiles, ...bpmn20]) {
  const parsed = await parseProcessXml(xml);
  if (!parsed.summary) throw new Error(`BPMN in the corpus does not parse: ${JSON.stringify(parsed.issues)}`);
}
const parsePass = (files: string[]) => async () => {
  for (const xml of files) sink += (await parseProcessXml(xml)).issues.length;
};
const bpmn = await compare([
  { label: 'parseProcessXml', pass: parsePass(bpmnFiles), items: bpmnFiles.length },
  { label: 'parseProcessXml 20 tasks', pass: parsePass(bpmn20), items: 1 },
  // Context only: bpmn-moddle reading the same files with one reused instance.
  {
    label: 'bare bpmn-moddle',
    pass: async () => {
      for (const xml of bpmnFiles) sink += (await sharedModdle.fromXML(xml, 'bpmn:Definitions')).warnings.length;
    },
    items: bpmnFiles.length,
  },
]);
const [bpmnRate, bpmn20Rate, moddleRate] = bpmn.rates as [number, number, number];
console.log(`BPMN parseProcessXml  : ${fmt(bpmnRate)} parses/s (${bpmnSource})`);
console.log(`  20-task BPMN        : ${fmt(bpmn20Rate)} parses/s`);
console.log(`  bare bpmn-moddle    : ${fmt(moddleRate)} parses/s (one reused BpmnModdle, same files; context only)`);

// ── 3. cross-reference checks over the whole valid corpus ──

const members: SetMember[] = [];
for (const [i, c] of corpus.entries()) {
  if (!docketValid[i]) continue;
  const v = await validateDocument(c.doc, c.source);
  if (v.doc) members.push({ doc: v.doc, summary: v.summary, file: c.source });
}
const referenceIssues = checkReferences(members);
for (const i of referenceIssues.slice(0, 5)) console.log(`! reference issue in ${i.file}: ${i.code} ${i.pointer} ${i.message.en}`);
const refs = await compare([{ label: 'checkReferences', pass: () => (sink += checkReferences(members).length), items: 1 }]);
const refRate = refs.rates[0] as number;
console.log(
  `checkReferences       : ${fmt(refRate)} sets/s (${members.length} documents per set, ${referenceIssues.length} issues), ${fmt(refRate * members.length)} docs/s`,
);

if (sink < 0) console.log(sink); // keeps the results observable

const byKind: Partial<Record<Kind, number>> = {};
for (const d of docs) {
  const k = (d as { kind: Kind }).kind;
  byKind[k] = (byKind[k] ?? 0) + 1;
}

printResult({
  bench: 'definitions',
  docket_docs_per_s: round(docketRate),
  peer: 'ajv',
  peer_docs_per_s: round(peerRate),
  ratio_vs_ajv: round(ratio),
  ratio_of_medians_vs_ajv: round(docketRate / peerRate),
  target_ratio: 0.5,
  docket_valid_docs_per_s: round(valid.rates[0] as number),
  peer_valid_docs_per_s: round(valid.rates[1] as number),
  ratio_valid_vs_ajv: round(median(valid.ratios)),
  docket_invalid_docs_per_s: round(invalid.rates[0] as number),
  peer_invalid_docs_per_s: round(invalid.rates[1] as number),
  ratio_invalid_vs_ajv: round(median(invalid.ratios)),
  bpmn_parses_per_s: round(bpmnRate),
  bpmn_source: bpmnSource,
  bpmn_20_task_parses_per_s: round(bpmn20Rate),
  bare_moddle_parses_per_s: round(moddleRate),
  reference_checks_per_s: round(refRate),
  reference_set_size: members.length,
  reference_issues: referenceIssues.length,
  documents: N,
  invalid_documents: invalidCount,
  validity_disagreements: disagreements.length,
  kinds: byKind,
  repeats: REPEATS,
  min_run_ms: TARGET_MS,
  warmup_ms: WARMUP_MS,
  quick: QUICK,
  ajv: (await import('ajv/package.json', { with: { type: 'json' } })).default.version,
  cpus: facts.cpus,
  cpu_model: facts.cpuModel,
  node: facts.node,
  date: facts.date,
});
