/**
 * Search tokens that work for Chinese on both PGlite and PostgreSQL (see
 * docs/decisions/0005-cjk-search.md): lower-cased latin/digit words, and for runs of CJK
 * characters every single character and every bigram. A ticket matches a query when its
 * tokens contain all of the query's tokens (`search_tokens @> query`, a GIN lookup).
 */
const CJK_CLASS = '[\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\p{Script=Hangul}]';
const CJK = new RegExp(CJK_CLASS, 'u');
// A CJK run, or a run of other letters and digits (letters that are not CJK).
const RUN = new RegExp(`${CJK_CLASS}+|(?:(?!${CJK_CLASS})[\\p{L}\\p{N}_])+`, 'gu');
const MAX_WORD = 64;
/** A ticket's token list stays bounded however long its comments get. */
const MAX_TOKENS = 4000;

function runs(text: string): string[] {
  return text.normalize('NFKC').toLowerCase().match(RUN) ?? [];
}

/** Tokens stored for a document: words, CJK characters and CJK bigrams. */
export function documentTokens(...texts: (string | null | undefined)[]): string[] {
  const out = new Set<string>();
  for (const text of texts) {
    if (!text) continue;
    for (const run of runs(text)) {
      if (!CJK.test(run)) {
        if (run.length <= MAX_WORD) out.add(run);
        continue;
      }
      const chars = [...run];
      for (let i = 0; i < chars.length; i++) {
        out.add(chars[i] as string);
        if (i + 1 < chars.length) out.add(`${chars[i]}${chars[i + 1]}`);
      }
    }
  }
  return [...out].slice(0, MAX_TOKENS);
}

/**
 * Tokens a query must all match: words as typed, a CJK run as its bigrams (one character
 * alone as itself), so `漏水` finds `厨房水管漏水` and `水管漏水` needs all of 水管, 管漏, 漏水.
 */
export function queryTokens(query: string): string[] {
  const out = new Set<string>();
  for (const run of runs(query)) {
    if (!CJK.test(run)) {
      out.add(run.slice(0, MAX_WORD));
      continue;
    }
    const chars = [...run];
    if (chars.length === 1) out.add(run);
    for (let i = 0; i + 1 < chars.length; i++) out.add(`${chars[i]}${chars[i + 1]}`);
  }
  return [...out];
}

/** A PostgreSQL array literal for `?::text[]`: the whole literal is one escaped parameter. */
export function pgTextArray(values: string[]): string {
  return `{${values.map((v) => `"${v.replace(/[\\"]/g, (c) => `\\${c}`)}"`).join(',')}}`;
}
