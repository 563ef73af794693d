import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * @doyensec/electronegativity on src-main, every check but the online one (the list of
 * Electron releases with security fixes needs the network). Each finding must be explained
 * in electronegativity-allowlist.txt; a stale explanation fails too, so the list stays reviewed.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = path.join(root, 'node_modules/@doyensec/electronegativity/dist/index.js');
const OFFLINE_GOT = fileURLToPath(new URL('./fixtures/offline-got.cjs', import.meta.url));
const electronVersion = (JSON.parse(readFileSync(path.join(root, 'node_modules/electron/package.json'), 'utf8')) as { version: string }).version;
const work = mkdtempSync(path.join(tmpdir(), 'sspr-electronegativity-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Finding {
  rule: string;
  file: string;
  line: number;
  text: string;
}

async function scan(input: string, name: string): Promise<Finding[]> {
  const out = path.join(work, `${name}.sarif`);
  await promisify(execFile)(process.execPath, ['--require', OFFLINE_GOT, cli, '-i', input, '-r', '-x', 'AvailableSecurityFixesGlobalCheck', '-e', electronVersion, '-o', out], { cwd: root, timeout: 120_000 });
  const sarif = JSON.parse(readFileSync(out, 'utf8')) as { runs: { results: { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] }[] }[] };
  return sarif.runs[0]!.results.map((r) => {
    const loc = r.locations[0]!.physicalLocation;
    const file = loc.artifactLocation.uri;
    return { rule: r.ruleId, file, line: loc.region.startLine, text: sourceLine(path.join(input, file), loc.region.startLine) };
  });
}

/** The flagged line's text; global checks name no real file. */
function sourceLine(file: string, line: number): string {
  try {
    return readFileSync(file, 'utf8').split('\n')[line - 1] ?? '';
  } catch {
    return '';
  }
}

const allowList = readFileSync(new URL('./electronegativity-allowlist.txt', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l.trim() && !l.startsWith('#'))
  .map((l) => {
    const [rule, file, contains, reason] = l.split(' | ').map((x) => x.trim());
    return { rule: rule!, file: file!, contains: contains!, reason: reason ?? '' };
  });

describe('electronegativity on src-main', () => {
  it('every allow-list line names a rule, a file, the flagged text and a reason', () => {
    expect(allowList.length).toBeGreaterThan(0);
    for (const a of allowList) expect([a.rule, a.file, a.contains].every(Boolean) && a.reason.length > 20, JSON.stringify(a)).toBe(true);
  });

  it('finds nothing that is not explained in the allow-list, and the list has no stale line', async () => {
    const findings = await scan(path.join(root, 'src-main'), 'src-main');
    const explained = (f: Finding) => allowList.some((a) => a.rule === f.rule && a.file === f.file && f.text.includes(a.contains));
    expect(findings.filter((f) => !explained(f)).map((f) => `${f.rule} ${f.file}:${f.line} ${f.text.trim()}`)).toEqual([]);
    const stale = allowList.filter((a) => !findings.some((f) => a.rule === f.rule && a.file === f.file && f.text.includes(a.contains)));
    expect(stale.map((a) => `${a.rule} | ${a.file} | ${a.contains}`)).toEqual([]);
  }, 150_000);

  it('the scan does find an insecure window (the check can fail)', async () => {
    const dir = path.join(work, 'insecure');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'main.js'), "const { BrowserWindow } = require('electron');\nnew BrowserWindow({ webPreferences: { nodeIntegration: true, contextIsolation: false, webSecurity: false } });\n");
    const rules = (await scan(dir, 'insecure')).map((f) => f.rule);
    expect(rules).toEqual(expect.arrayContaining(['NODE_INTEGRATION_JS_CHECK', 'CONTEXT_ISOLATION_JS_CHECK', 'WEB_SECURITY_JS_CHECK']));
  }, 150_000);
});
