// Journeys in real Chromium (Debian's, never a downloaded browser) against the built
// renderer, the real main-process handler table and the real server (test/e2e-host).
import { defineConfig } from '@playwright/test';

/** Debian's Chromium and the switches every run uses (the benchmark launches the same). */
export const CHROMIUM_PATH = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export default defineConfig({
  testDir: 'test/e2e',
  // Failure screenshots and traces: kept with the other artifacts (test-results/ is wiped per run).
  outputDir: 'artifacts/playwright',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  // The machine's cores are shared; one worker keeps timings honest.
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS },
    viewport: { width: 1024, height: 768 },
    locale: 'en-US',
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
});
