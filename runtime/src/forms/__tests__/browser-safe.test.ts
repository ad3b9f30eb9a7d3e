import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** Every module the forms runtime loads at run time (type-only imports vanish when compiled). */
function runtimeImports(entry: string, seen = new Set<string>(), packages = new Set<string>()) {
  if (seen.has(entry)) return { seen, packages };
  seen.add(entry);
  const source = readFileSync(entry, 'utf8');
  for (const m of source.matchAll(/^(?:import|export)\s+(?!type\s)[^;]*?from\s+'([^']+)'/gms)) {
    const spec = m[1] as string;
    if (spec.startsWith('.')) runtimeImports(resolve(dirname(entry), spec), seen, packages);
    else packages.add(spec);
  }
  return { seen, packages };
}

describe('the forms runtime', () => {
  it('loads nothing a browser lacks: no node: modules, no database, no server', () => {
    const { seen, packages } = runtimeImports(resolve(dirname(fileURLToPath(import.meta.url)), '../index.ts'));
    expect(seen.size).toBeGreaterThan(15);
    expect([...packages].sort()).toEqual(['htmlparser2', 'json-logic-js', 'typebox', 'typebox/value']);
    for (const file of seen) expect(file, file).not.toMatch(/\/(store|process|records)\//);
  });
});
