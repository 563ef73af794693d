// Reads the JSON reports of vitest and Playwright and prints the one closing line CI reads:
// `N passed, N failed` (with `, N skipped` when any were skipped, each with its printed reason).
import { existsSync, readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;
let skipped = 0;
const missing = [];
// Usage: summarize-tests.mjs RUNNERS [step=passed|failed ...], RUNNERS like `vitest,playwright,vitest-timing`.
const [runnersArg = 'vitest', ...stepArgs] = process.argv.slice(2);
const runners = runnersArg.split(',');
const readVitest = (r) => [r.numPassedTests, r.numFailedTests + (r.numRuntimeErrorTestSuites ?? 0), r.numPendingTests + r.numTodoTests];
for (const [name, file, read] of [
  ['vitest', 'test-results/vitest.json', readVitest],
  ['vitest-timing', 'test-results/vitest-timing.json', readVitest],
  ['playwright', 'test-results/playwright.json', (r) => [r.stats.expected + r.stats.flaky, r.stats.unexpected + (r.errors?.length ?? 0), r.stats.skipped]],
]) {
  if (!runners.includes(name)) continue;
  if (!existsSync(file)) {
    missing.push(name);
    continue;
  }
  const [p, f, s] = read(JSON.parse(readFileSync(file, 'utf8')));
  passed += p;
  failed += f;
  skipped += s;
}
for (const extra of stepArgs) {
  // `name=failed` marks a step (typecheck, lint, build) that failed outside the runners.
  const [name, state] = extra.split('=');
  if (state === 'failed') {
    console.log(`step failed: ${name}`);
    failed += 1;
  } else passed += 1;
}
if (missing.length) {
  console.log(`no report from: ${missing.join(', ')} (counted as a failure)`);
  failed += missing.length;
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed ? 1 : 0);
