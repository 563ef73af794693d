#!/usr/bin/env bash
# `npm test`: every test of the project, on a fresh clone. Installs missing system packages,
# checks types and lint, builds the renderer, runs vitest (unit + integration with real
# SMTP, slapd, Samba AD, keychain) and Playwright (real Chromium), then prints
# `N passed, N failed`.
set -uo pipefail
cd "$(dirname "$0")/.."
bin=node_modules/.bin
steps=()
step() { # step NAME COMMAND...: runs a check and records its result for the summary
  local name=$1; shift
  echo "== $name"
  if "$@"; then steps+=("$name=passed"); else steps+=("$name=failed"); fi
}

bash scripts/ensure-system-deps.sh || exit 1
rm -rf test-results && mkdir -p test-results artifacts

step typecheck npm run -s typecheck
step lint npm run -s lint
if [ -f vite.config.ts ]; then step build-renderer npm run -s build:renderer; fi
if [ -f vite.admin.config.ts ]; then step build-admin npm run -s build:admin; fi

# The keychain tests need a Secret Service: a throwaway, unlocked gnome-keyring on a
# private D-Bus session, with its own HOME so nothing touches the user's keyring.
keyring_home=$(mktemp -d)
# R13b's timing tests measure tenths of a millisecond (the challenge/verify timing, the
# precise timer that holds answers to their floor): they run last, alone (below), not beside
# other test files that load both cores.
timing=(test/server/reset-timing.test.ts test/unit/precise-timer.test.ts)
echo "== vitest"
HOME=$keyring_home dbus-run-session -- sh -c \
  'echo -n test-keyring-pass | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; exec "$@"' sh \
  "$bin/vitest" run "${timing[@]/#/--exclude=}" --reporter=default --reporter=json --outputFile.json=test-results/vitest.json

runners=vitest
if [ -f playwright.config.ts ]; then
  runners=vitest,playwright
  echo "== playwright"
  PLAYWRIGHT_JSON_OUTPUT_NAME=test-results/playwright.json "$bin/playwright" test --reporter=list,json
fi
rm -rf "$keyring_home"
runners=$runners,vitest-timing
echo "== vitest (timing, alone)"
"$bin/vitest" run "${timing[@]}" --reporter=default --reporter=json --outputFile.json=test-results/vitest-timing.json
echo "=="
node scripts/summarize-tests.mjs "$runners" "${steps[@]}"
