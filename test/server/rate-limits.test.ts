import { solveChallenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROOF_OF_WORK_HEADER, type ProofOfWorkChallenge } from '../../shared/api/proof-of-work.js';
import { requestFrom, type AddressedResult } from '../helpers/client-address.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

/**
 * Rate limits and the proof-of-work at the anonymous doors, against the real server. Each
 * client is a real source address on loopback (127.0.0.x), so nothing is simulated.
 */
const PW = 'Correct-Horse-Battery-9';

async function solve(challenge: ProofOfWorkChallenge): Promise<string> {
  const solution = await solveChallenge({ challenge: challenge as Parameters<typeof solveChallenge>[0]['challenge'], deriveKey, timeout: 20_000 });
  expect(solution).not.toBeNull();
  return Buffer.from(JSON.stringify({ challenge, solution })).toString('base64');
}

const statuses = (results: AddressedResult[]) => results.reduce<Record<number, number>>((m, r) => ((m[r.status] = (m[r.status] ?? 0) + 1), m), {});

describe('rate limits at the doors (adaptive proof-of-work)', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ env: { SSPR_RATE_LIMITS: 'on', SSPR_PROOF_OF_WORK: 'adaptive' } });
    for (let i = 0; i < 50; i++) await t.addUser({ username: `staff${i}`, password: PW });
  });
  afterAll(() => t.close());

  it('password spraying: 200 sign-ins across 50 accounts from one address are limited; real users elsewhere are not', async () => {
    const results: AddressedResult[] = [];
    for (let i = 0; i < 200; i++) {
      results.push(await requestFrom('127.0.0.2', `${t.url}/auth/sign-in`, { body: { username: `staff${i % 50}`, password: `Spring2026!${i}` } }));
    }
    const by = statuses(results);
    // 10 password checks, then a proof-of-work is asked for, then (past 30) refused outright.
    expect(by[401]).toBe(10);
    expect(by[428]).toBe(20);
    expect(by[429]).toBe(170);
    const refused = results.find((r) => r.status === 429)!;
    expect(refused.body.code).toBe('rate_limited');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(results.find((r) => r.status === 428)!.body).toMatchObject({ code: 'proof_of_work_required', proofOfWork: { parameters: { algorithm: 'SHA-256' } } });

    // Every sprayed account still signs in from its owner's machine.
    for (const i of [0, 17, 49]) {
      const own = await requestFrom('127.0.0.3', `${t.url}/auth/sign-in`, { body: { username: `staff${i}`, password: PW } });
      expect(own.status).toBe(200);
    }
  });

  it('a solved proof-of-work opens identify once; a minute later the client is back under its budget', async () => {
    const identify = (headers: Record<string, string> = {}) => requestFrom('127.0.0.4', `${t.url}/reset/sessions`, { body: { username: 'staff1' }, headers });
    for (let i = 0; i < 10; i++) expect((await identify()).status).toBe(201);
    const asked = await identify();
    expect(asked.status).toBe(428);
    const proof = await solve(asked.body.proofOfWork);
    expect((await identify({ [PROOF_OF_WORK_HEADER]: proof })).status).toBe(201);
    const replay = await identify({ [PROOF_OF_WORK_HEADER]: proof });
    expect(replay).toMatchObject({ status: 428, body: { detail: 'The proof-of-work was already used.' } });
    t.clock.advanceMinutes(2);
    expect((await identify()).status).toBe(201);
  });
});

describe('proof-of-work on every identify (policy: always)', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ env: { SSPR_RATE_LIMITS: 'on', SSPR_PROOF_OF_WORK: 'always' } });
    await t.addUser({ username: 'kenji', password: PW });
  });
  afterAll(() => t.close());
  const identify = (headers: Record<string, string> = {}) => requestFrom('127.0.0.5', `${t.url}/reset/sessions`, { body: { username: 'kenji' }, headers });

  it('is bound to its door, expires, and cannot be forged', async () => {
    const first = await identify();
    expect(first.status).toBe(428);
    // A challenge from the sign-in door does not open identify.
    const signInAsk = await requestFrom('127.0.0.5', `${t.url}/auth/sign-in`, { body: { username: 'kenji', password: PW } });
    expect(signInAsk.status).toBe(428);
    expect((await identify({ [PROOF_OF_WORK_HEADER]: await solve(signInAsk.body.proofOfWork) })).body.detail).toBe('The proof-of-work was made for another request.');
    // Expired: solved, but after the challenge's five minutes.
    const stale = await solve(first.body.proofOfWork);
    t.clock.advanceMinutes(6);
    expect((await identify({ [PROOF_OF_WORK_HEADER]: stale })).body.detail).toBe('The proof-of-work challenge has expired.');
    // Forged: the door changed in the signed data.
    const fresh = (await identify()).body.proofOfWork as ProofOfWorkChallenge;
    const forged = JSON.parse(Buffer.from(await solve(fresh), 'base64').toString());
    forged.challenge.parameters.data.door = 'signIn';
    const forgedHeader = Buffer.from(JSON.stringify(forged)).toString('base64');
    expect((await requestFrom('127.0.0.5', `${t.url}/auth/sign-in`, { body: { username: 'kenji', password: PW }, headers: { [PROOF_OF_WORK_HEADER]: forgedHeader } })).body.detail).toBe('The proof-of-work is not correct.');
    expect((await identify({ [PROOF_OF_WORK_HEADER]: 'not base64 json' })).body.detail).toBe('The proof-of-work could not be read.');
    // The genuine one still works, once.
    expect((await identify({ [PROOF_OF_WORK_HEADER]: await solve(fresh) })).status).toBe(201);
  });

  it('R41: the console\'s administrator sign-in asks for one too, bound to its own door', async () => {
    const adminSignIn = (headers: Record<string, string> = {}) => requestFrom('127.0.0.6', `${t.url}/auth/admin/sessions`, { body: { username: 'kenji', password: PW }, headers });
    const asked = await adminSignIn();
    expect(asked.status).toBe(428);
    expect(asked.body).toMatchObject({ code: 'proof_of_work_required', proofOfWork: { parameters: { data: { door: 'createAdminSession' } } } });
    // Solved, the password is checked (kenji is no administrator: the ordinary refusal).
    expect((await adminSignIn({ [PROOF_OF_WORK_HEADER]: await solve(asked.body.proofOfWork) })).status).toBe(401);
  });
});

describe('proof-of-work at the administrator sign-in (adaptive)', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ env: { SSPR_RATE_LIMITS: 'on', SSPR_PROOF_OF_WORK: 'adaptive' } });
  });
  afterAll(() => t.close());

  it('R41: three tries a minute from one address pass; then a proof-of-work; past ten, refused', async () => {
    const results: AddressedResult[] = [];
    for (let i = 0; i < 12; i++) results.push(await requestFrom('127.0.0.7', `${t.url}/auth/admin/sessions`, { body: { username: `admin${i}`, password: PW } }));
    expect(results.map((r) => r.status)).toEqual([401, 401, 401, ...Array(7).fill(428), 429, 429]);
    // Another address is not affected.
    expect((await requestFrom('127.0.0.8', `${t.url}/auth/admin/sessions`, { body: { username: 'admin', password: PW } })).status).toBe(401);
  });
});

describe('client addresses behind a proxy (SSPR_TRUST_PROXY)', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ env: { SSPR_RATE_LIMITS: 'on', SSPR_TRUST_PROXY: '127.0.0.1' } });
  });
  afterAll(() => t.close());

  it('counts each forwarded client apart when the proxy is trusted, and ignores the header from anyone else', async () => {
    // The challenge door is counted before the session token is even looked at.
    const ask = (source: string, forwardedFor: string) =>
      requestFrom(source, `${t.url}/reset/session/challenges`, { body: { methodId: 'x' }, headers: { authorization: 'Bearer nope', 'x-forwarded-for': forwardedFor } });
    for (let i = 0; i < 30; i++) expect((await ask('127.0.0.1', '203.0.113.1')).status).toBe(401);
    expect((await ask('127.0.0.1', '203.0.113.1')).status).toBe(429);
    expect((await ask('127.0.0.1', '203.0.113.2')).status).toBe(401);
    // 127.0.0.6 is not the proxy: its header is not believed, it is counted as itself.
    for (let i = 0; i < 30; i++) expect((await ask('127.0.0.6', `198.51.100.${i}`)).status).toBe(401);
    expect((await ask('127.0.0.6', '198.51.100.200')).status).toBe(429);
  });
});

describe('limits shared by two instances on one PostgreSQL', () => {
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    a = await startTestServer({ postgres: true, env: { SSPR_RATE_LIMITS: 'on' } });
    b = await startTestServer({ env: { SSPR_RATE_LIMITS: 'on', SSPR_DATABASE_URL: a.config.databaseUrl! } });
  }, 120_000);
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('a client spreading its requests over both instances gets one budget, not two', async () => {
    const ask = (t: TestServer) => requestFrom('127.0.0.7', `${t.url}/reset/session/challenges`, { body: { methodId: 'x' }, headers: { authorization: 'Bearer nope' } });
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => ask(i % 2 ? a : b)));
    expect(statuses(results)).toEqual({ 401: 30, 429: 10 });
  });
});
