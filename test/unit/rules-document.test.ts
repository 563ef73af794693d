import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The rules live in the repository (docs/rules.md), so a clone can read every id the code
 * cites. This test keeps the document and the code in step, both ways.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const RULE_ID = /\bR(\d{1,2})([a-z])?\b/g;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...sourceFiles(full));
    else if (/\.(ts|tsx|cts|mts|js|mjs)$/.test(name)) out.push(full);
  }
  return out;
}

function idsIn(files: string[]): Map<string, string> {
  const found = new Map<string, string>(); // id → first file citing it
  for (const file of files) {
    for (const m of readFileSync(file, 'utf8').matchAll(RULE_ID)) {
      if (!found.has(m[0])) found.set(m[0], path.relative(root, file));
    }
  }
  return found;
}

const doc = readFileSync(path.join(root, 'docs/rules.md'), 'utf8');
/** Rules: the first cell of a table row. Families: an id in parentheses in a heading. */
const rules = [...doc.matchAll(/^\| (R\d{1,2}[a-z]?) \|/gm)].map((m) => m[1]!);
const families = [...doc.matchAll(/^#+ .*\((R\d{1,2})\)\s*$/gm)].map((m) => m[1]!);

const codeDirs = ['src-server', 'src-main', 'src-renderer', 'src-admin', 'shared', 'test'].map((d) => path.join(root, d));
const cited = idsIn(codeDirs.flatMap(sourceFiles));
const citedByTests = idsIn(sourceFiles(path.join(root, 'test')).filter((f) => f !== fileURLToPath(import.meta.url)));

describe('the rules document (docs/rules.md)', () => {
  it('defines each rule once', () => {
    expect(rules.length).toBeGreaterThan(30);
    expect(new Set(rules).size).toBe(rules.length);
  });

  it('defines every rule id that code, schemas and tests cite', () => {
    const known = new Set([...rules, ...families]);
    const unknown = [...cited].filter(([id]) => !known.has(id)).map(([id, file]) => `${id} (${file})`);
    expect(unknown).toEqual([]);
  });

  it('has every rule held by at least one test that names it', () => {
    const untested = rules.filter((id) => !citedByTests.has(id));
    expect(untested).toEqual([]);
  });

  it('gives each family at least one member rule', () => {
    for (const family of families) expect(rules.some((id) => id.startsWith(family) && id !== family)).toBe(true);
  });
});
