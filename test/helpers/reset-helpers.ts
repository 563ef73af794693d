import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import type { ParsedMail } from 'mailparser';
import type { MethodType, ResetMethodType } from '../../shared/api/common.js';
import { approvalSigningString } from '../../shared/api/me.js';
import type { DirectoryUser } from '../../src-server/directory/directory.js';
import type { MethodData } from '../../src-server/store/method-store.js';
import type { GatewayMessage } from './gateway-peer.js';
import { codeIn, hasCode } from './smtp-peer.js';
import type { ApiResult, TestServer } from './test-server.js';

/** Shared set-up for the reset and method tests: users with methods, codes from the peers. */

export async function addMethod<T extends MethodType>(t: TestServer, user: DirectoryUser, type: T, data: MethodData[T], hint = type as string): Promise<string> {
  const m = await t.server.services.methods.insert(t.server.services.db, { subjectId: user.id, type, source: 'admin', verified: true, hint, data });
  return m.id;
}

/** A user holding an email method (set on their behalf, R4). */
export async function userWithEmail(t: TestServer, username: string, extra: { isAdmin?: boolean; groups?: string[] } = {}) {
  const user = await t.addUser({ username, email: `${username}@corp.example`, ...extra });
  const address = `${username}.private@mail.example`;
  await addMethod(t, user, 'email', { address }, `${username[0]}•••@mail.example`);
  return { user, address };
}

/** The next mail to `to` after `before` mails had arrived; resolves with its code. */
export async function nextMail(t: TestServer, to: string, before: number): Promise<ParsedMail> {
  return t.smtp.waitFor(to, (m) => t.smtp.mails.indexOf(m) >= before);
}

/** Waits until `count` mails to `to` have arrived (codes are handed over without waiting). */
export async function mailsArrived(t: TestServer, to: string, count: number, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const n = () => t.smtp.mails.filter((m) => JSON.stringify(m.to).toLowerCase().includes(to.toLowerCase())).length;
  while (n() < count) {
    if (Date.now() > deadline) throw new Error(`only ${n()} of ${count} mails to ${to}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The next code mailed to `to`; notices of changes (R32) in between carry none and are passed over. */
export async function mailedCode(t: TestServer, to: string, before: number): Promise<string> {
  return codeIn((await t.smtp.waitFor(to, (m) => t.smtp.mails.indexOf(m) >= before && hasCode(m))).text);
}

/** The next gateway message to `to` after `before` messages had arrived. */
export async function nextPhoneMessage(t: TestServer, to: string, before: number, timeoutMs = 5000): Promise<GatewayMessage> {
  const deadline = Date.now() + timeoutMs;
  const norm = (n: string) => n.replace(/\s/g, '');
  for (;;) {
    const found = t.gateway.messages.slice(before).find((m) => norm(m.to) === norm(to));
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no gateway message to ${to}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The code in a text or a voice script (digits said one by one). */
export function phoneCode(m: GatewayMessage): string {
  if (m.channel === 'sms') return codeIn(m.text);
  const spoken = /(\d(?:[、,]\s?\d){5})/.exec(m.text);
  if (!spoken) throw new Error(`no spoken code in: ${m.text}`);
  return spoken[1]!.replace(/\D/g, '');
}

/** The current TOTP code, computed by oathtool (independent of the server's library). */
export function oathtool(secret: string, at: Date): string {
  const now = at.toISOString().replace('T', ' ').slice(0, 19);
  return execFileSync('oathtool', ['--totp', '-b', '--now', `${now} UTC`, secret]).toString().trim();
}

export async function startReset(t: TestServer, username: string) {
  const r = await t.api('POST', '/reset/sessions', { body: { username } });
  if (r.status !== 201) throw new Error(`reset session: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as { sessionToken: string; expiresAt: string; requiredMethods: number; methods: Array<{ id: string; type: ResetMethodType; hint: string }> };
}

export function methodOf(session: { methods: Array<{ id: string; type: ResetMethodType }> }, type: ResetMethodType): string {
  const m = session.methods.find((x) => x.type === type);
  if (!m) throw new Error(`no ${type} method offered`);
  return m.id;
}

/** Starts an email challenge and answers it with the mailed code. */
export async function passEmailGate(t: TestServer, token: string, methodId: string, address: string) {
  const before = t.smtp.mails.length;
  const ch = await t.api('POST', '/reset/session/challenges', { token, body: { methodId } });
  if (ch.status !== 201) throw new Error(`challenge: ${ch.status} ${JSON.stringify(ch.body)}`);
  const code = await mailedCode(t, address, before);
  return t.api('POST', `/reset/session/challenges/${ch.body.challengeId}/verify`, { token, body: { code } });
}

export const NEW_PASSWORD = 'Quiet-Harbor-Lantern-72';

/** A user with a push device (ed25519), signed in on the companion and listening on the approvals SSE stream. */
export interface PushDevice {
  username: string;
  user: DirectoryUser;
  pushId: string;
  access: string;
  /** The answer that opened the SSE stream. */
  stream: Response;
  /** Approves or denies an approval, signed by the device key (or by `key`). */
  decide(id: string, approve: boolean, number: number, key?: KeyObject): Promise<ApiResult>;
  /** The next `approval` event on the stream. */
  nextEvent(): Promise<{ id: string; status: string; [k: string]: unknown }>;
  close(): void;
}

export async function pushDevice(t: TestServer, username: string, password: string): Promise<PushDevice> {
  const user = await t.addUser({ username, email: `${username}@corp.example` });
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const pushId = await addMethod(t, user, 'authenticatorPush', { publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'), deviceName: 'Sakura phone' }, 'Sakura phone');
  const signedIn = await t.api('POST', '/auth/sign-in', { body: { username, password } });
  const access = signedIn.body.accessToken as string;
  const decide = (id: string, approve: boolean, number: number, key = privateKey) =>
    t.api('POST', `/me/approvals/${id}`, { token: access, body: { approve, number, methodId: pushId, signature: sign(null, Buffer.from(approvalSigningString(id, approve, number)), key).toString('base64') } });

  // The companion listens on the SSE stream.
  const abort = new AbortController();
  const stream = await fetch(`${t.url}/me/approvals/stream`, { headers: { authorization: `Bearer ${access}` }, signal: abort.signal });
  const reader = stream.body!.getReader();
  let buffered = '';
  const nextEvent = async () => {
    for (;;) {
      const m = /event: approval\nid: [^\n]+\ndata: ([^\n]+)\n\n/.exec(buffered);
      if (m) {
        buffered = buffered.slice(m.index + m[0].length);
        return JSON.parse(m[1]!);
      }
      const { value, done } = await reader.read();
      if (done) throw new Error('stream ended');
      buffered += new TextDecoder().decode(value);
    }
  };
  return { username, user, pushId, access, stream, decide, nextEvent, close: () => abort.abort() };
}
