/**
 * The renderer's origin: a privileged `app://renderer/` scheme instead of `file://`. Under
 * file:// `script-src 'self'` matches any local file and a response header never applies;
 * here only the renderer's built files answer, each with the CSP as a header. Pure: which
 * file a request names, and the headers it gets (src-main/node/app-protocol-handler.ts reads it).
 */
import { APP_CSP } from './window-options.js';
import { BUILD_CONTENT_TYPES } from '../../shared/content-types.js';

export const APP_SCHEME = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://renderer`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/** `protocol.registerSchemesAsPrivileged`: a standard, secure origin and nothing more. */
export const APP_SCHEME_PRIVILEGES = {
  standard: true,
  secure: true,
  supportFetchAPI: false,
  corsEnabled: false,
  bypassCSP: false,
  allowServiceWorkers: false,
  stream: false,
  codeCache: false,
} as const;


/** Headers on every answer, the file or a refusal. */
export const APP_RESPONSE_HEADERS = {
  'content-security-policy': APP_CSP,
  'x-content-type-options': 'nosniff',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
} as const;

type AppRequestAnswer =
  | { status: 200; file: string; contentType: string }
  | { status: 404 | 405; file: null; contentType: null };

/** Is `url` on the app's origin (navigation, the IPC sender, the session's request filter)? */
export function isAppUrl(url: string | null | undefined): boolean {
  if (!url) return false;
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}` === APP_ORIGIN && u.username === '' && u.password === '' && u.port === '';
  } catch {
    return false;
  }
}

/**
 * The renderer file a request names, as a path relative to the renderer folder (`/` is
 * index.html), or a refusal: another host, a method other than GET/HEAD, encoded separators
 * or dot segments, a hidden file, a type the renderer does not ship.
 */
export function resolveAppRequest(method: string, url: string): AppRequestAnswer {
  const refuse = (status: 404 | 405) => ({ status, file: null, contentType: null });
  if (method !== 'GET' && method !== 'HEAD') return refuse(405);
  if (!isAppUrl(url)) return refuse(404);
  const { pathname } = new URL(url);
  if (/%2f|%5c|%00|\\/i.test(pathname)) return refuse(404);
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return refuse(404);
  }
  const segments = (decoded === '/' ? '/index.html' : decoded).split('/').slice(1);
  if (segments.some((s) => s === '' || s === '.' || s === '..' || s.startsWith('.'))) return refuse(404);
  const file = segments.join('/');
  const ext = /\.[a-z0-9]+$/i.exec(file)?.[0]?.toLowerCase() ?? '';
  const contentType = BUILD_CONTENT_TYPES[ext];
  return contentType ? { status: 200, file, contentType } : refuse(404);
}
