/**
 * The floor under our server in bench/peer-ltb.ts: the same two requests (`POST
 * /auth/sign-in`, `POST /me/password`) and the same LDAP operations (sign-in: a search for
 * the user and a bind; change: a search, a bind and a Password Modify), on the same Node and
 * ldapts, and nothing else: no store, no audit, no policy, no throttles, no notices, no
 * framework, tokens in a Map. Not a product: what Node and two requests cost by themselves,
 * so the bench can split ours ÷ LTB into the platform's share and our code's share.
 *
 * Run as its own process: `node --import tsx bench/lib/bare-ldap-server.ts`, with BARE_PORT,
 * BARE_LDAP_URL, BARE_BIND_DN, BARE_BIND_PASSWORD, BARE_BASE_DN; prints `listening on`.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { Client, EqualityFilter } from 'ldapts';
import { PASSWORD_MODIFY_OID, passwordModifyValue } from '../../src-server/directory/ldap/controls.js';

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const url = env('BARE_LDAP_URL');
const baseDn = env('BARE_BASE_DN');
const BINDERS = 8;

const service = new Client({ url });
await service.bind(env('BARE_BIND_DN'), env('BARE_BIND_PASSWORD'));
/** One connection per change in flight: a user's bind and write must not interleave with another's. */
const idle = Array.from({ length: BINDERS }, () => new Client({ url }));
const waiting: Array<(c: Client) => void> = [];
async function withBinder<T>(work: (c: Client) => Promise<T>): Promise<T> {
  const c = idle.pop() ?? (await new Promise<Client>((resolve) => waiting.push(resolve)));
  try {
    return await work(c);
  } finally {
    const next = waiting.shift();
    if (next) next(c);
    else idle.push(c);
  }
}

/** Access token → uid. */
const sessions = new Map<string, string>();

/** Ours finds the user by a subtree search (by login at sign-in, by entryUUID after): one subtree search here too. */
async function userDn(uid: string): Promise<string | null> {
  const filter = new EqualityFilter({ attribute: 'uid', value: uid });
  const { searchEntries } = await service.search(baseDn, { scope: 'sub', filter, attributes: ['uid', 'cn', 'mail', 'pwdChangedTime'], sizeLimit: 2 });
  return searchEntries.length === 1 ? searchEntries[0]!.dn : null;
}

async function handle(path: string, body: Record<string, string>, token: string | undefined): Promise<[number, unknown]> {
  if (path === '/api/v1/auth/sign-in') {
    const uid = body.username ?? '';
    const dn = await userDn(uid);
    if (!dn) return [401, { code: 'unauthorized' }];
    await withBinder((c) => c.bind(dn, body.password ?? ''));
    const accessToken = randomBytes(32).toString('base64url');
    sessions.set(accessToken, uid);
    return [200, { accessToken }];
  }
  if (path === '/api/v1/me/password') {
    const uid = token && sessions.get(token);
    if (!uid) return [401, { code: 'unauthorized' }];
    const dn = await userDn(uid);
    if (!dn) return [401, { code: 'unauthorized' }];
    await withBinder(async (c) => {
      await c.bind(dn, body.currentPassword ?? '');
      await c.exop(PASSWORD_MODIFY_OID, passwordModifyValue({ oldPassword: body.currentPassword, newPassword: body.newPassword ?? '' }));
    });
    sessions.delete(token!);
    return [200, { changedAt: new Date().toISOString() }];
  }
  return [404, { code: 'not_found' }];
}

const server = http.createServer((req, res) => {
  let text = '';
  req.setEncoding('utf8');
  req.on('data', (c: string) => (text += c));
  req.on('end', () => {
    const token = req.headers.authorization?.replace(/^Bearer /, '');
    handle(req.url ?? '', text ? (JSON.parse(text) as Record<string, string>) : {}, token)
      .catch((error: Error) => [error.name === 'InvalidCredentialsError' ? 403 : 500, { code: error.name }] as [number, unknown])
      .then(([status, answer]) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer));
      });
  });
});
server.listen(Number(env('BARE_PORT')), '127.0.0.1', () => console.log('listening on', env('BARE_PORT')));
process.on('SIGTERM', () => {
  server.close();
  void Promise.all([service, ...idle].map((c) => c.unbind().catch(() => undefined))).then(() => process.exit(0));
});
