import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { mailedCode, methodOf, startReset, userWithEmail } from '../helpers/reset-helpers.js';

const GUESSES = 1000;

/**
 * R11e: a burst of parallel wrong guesses over HTTP. Every one is either counted as a
 * failure or refused as locked, exactly 5 failures are recorded, and nothing past the limit
 * is ever verified — not even the right code sent afterwards.
 */
async function burstOfWrongGuesses(t: TestServer, username: string) {
  const { user, address } = await userWithEmail(t, username);
  const s = await startReset(t, username);
  const before = t.smtp.mails.length;
  const ch = await t.api('POST', '/reset/session/challenges', { token: s.sessionToken, body: { methodId: methodOf(s, 'email') } });
  const code = await mailedCode(t, address, before);
  const wrong = code === '000000' ? '000001' : '000000';
  const path = `/reset/session/challenges/${ch.body.challengeId}/verify`;

  const started = performance.now();
  const answers = await Promise.all(Array.from({ length: GUESSES }, () => t.api('POST', path, { token: s.sessionToken, body: { code: wrong } })));
  const elapsedMs = performance.now() - started;

  const byCode = new Map<string, number>();
  for (const a of answers) byCode.set(a.body.code, (byCode.get(a.body.code) ?? 0) + 1);
  expect(answers.every((a) => a.status === 400 || a.status === 423)).toBe(true);
  expect((byCode.get('invalid_code') ?? 0) + (byCode.get('locked_out') ?? 0)).toBe(GUESSES);
  expect(byCode.get('invalid_code') ?? 0).toBeLessThanOrEqual(4);

  const db = t.server.services.db;
  const failures = await db.selectFrom('throttle_events').select('id').where('throttle_key', '=', `subject:${user.id}`).where('kind', '=', 'failure').execute();
  expect(failures).toHaveLength(5);
  // All of them count: each is audited, as a failure or as refused while locked.
  const audited = await db.selectFrom('audit_events').select('result').where('type', '=', 'reset.verify').where('username', '=', username).execute();
  expect(audited).toHaveLength(GUESSES);
  expect(audited.filter((a) => a.result === 'failure')).toHaveLength(5);
  expect(audited.filter((a) => a.result === 'locked')).toHaveLength(GUESSES - 5);
  expect(await db.selectFrom('audit_events').select('id').where('type', '=', 'reset.lockout').where('username', '=', username).execute()).toHaveLength(1);

  const right = await t.api('POST', path, { token: s.sessionToken, body: { code } });
  expect(right.status).toBe(423);
  expect((await t.api('GET', '/reset/session', { token: s.sessionToken })).body).toMatchObject({ state: 'locked', gatesPassed: 0 });
  return { elapsedMs, byCode };
}

describe('R11e on SQLite', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t.close();
  });

  it(`R11e: ${GUESSES} parallel wrong guesses all count; none past the limit is verified`, async () => {
    const { elapsedMs, byCode } = await burstOfWrongGuesses(t, 'burst-sqlite');
    console.log(`R11e SQLite: ${GUESSES} parallel guesses in ${elapsedMs.toFixed(0)} ms`, Object.fromEntries(byCode));
  });
});

describe('R11e on PostgreSQL', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ postgres: true });
  });
  afterAll(async () => {
    await t?.close();
  });

  it(`R11e: ${GUESSES} parallel wrong guesses over a pool of connections all count; none past the limit is verified`, async () => {
    const { elapsedMs, byCode } = await burstOfWrongGuesses(t, 'burst-pg');
    console.log(`R11e PostgreSQL: ${GUESSES} parallel guesses in ${elapsedMs.toFixed(0)} ms`, Object.fromEntries(byCode));
  });
});
