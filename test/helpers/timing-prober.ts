import { performance } from 'node:perf_hooks';

/**
 * A prober in a process of its own, as an attacker's is (R13b's timing test): for each name
 * on stdin (JSON `{ url, names }`), asks for a reset, an email code, and sends a wrong code,
 * timing each step from the request to the parsed answer; prints the times as JSON. In the
 * test's own process the client's share of each answer — parsing it, waking up for it — would
 * run on the server's thread and take after what that thread did before.
 */
interface Step {
  status: number;
  body: any;
  ms: number;
}

const { url, names } = JSON.parse(await new Promise<string>((resolve) => {
  let input = '';
  process.stdin.setEncoding('utf8').on('data', (chunk) => (input += chunk)).on('end', () => resolve(input));
})) as { url: string; names: string[] };

async function post(path: string, body: unknown, token?: string): Promise<Step> {
  const start = performance.now();
  const res = await fetch(url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const parsed = await res.json();
  return { status: res.status, body: parsed, ms: performance.now() - start };
}

function expectStatus(step: Step, status: number, what: string): void {
  if (step.status !== status) throw new Error(`${what}: expected ${status}, got ${step.status} ${JSON.stringify(step.body)}`);
}

const runs: Array<{ identify: number; challenge: number; verify: number }> = [];
for (const username of names) {
  const session = await post('/reset/sessions', { username });
  expectStatus(session, 201, `identify ${username}`);
  const method = (session.body.methods as Array<{ id: string; type: string }>).find((m) => m.type === 'email');
  if (!method) throw new Error(`identify ${username}: no email method offered`);
  const challenge = await post('/reset/session/challenges', { methodId: method.id }, session.body.sessionToken);
  expectStatus(challenge, 201, `challenge ${username}`);
  const verify = await post(`/reset/session/challenges/${challenge.body.challengeId}/verify`, { code: '000000' }, session.body.sessionToken);
  if (verify.body.code !== 'invalid_code') throw new Error(`verify ${username}: expected invalid_code, got ${JSON.stringify(verify.body)}`);
  runs.push({ identify: session.ms, challenge: challenge.ms, verify: verify.ms });
}
process.stdout.write(JSON.stringify(runs));
