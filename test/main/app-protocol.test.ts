import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { APP_ENTRY_URL, APP_SCHEME_PRIVILEGES, isAppUrl, resolveAppRequest } from '../../src-main/common/app-protocol.js';
import { APP_CSP } from '../../src-main/common/window-options.js';
import { appProtocolHandler } from '../../src-main/node/app-protocol-handler.js';

describe('app:// — the renderer\'s own origin', () => {
  it('is a standard, secure scheme with no extra privileges', () => {
    expect(APP_SCHEME_PRIVILEGES).toMatchObject({ standard: true, secure: true, bypassCSP: false, corsEnabled: false, supportFetchAPI: false, allowServiceWorkers: false });
    expect(APP_ENTRY_URL).toBe('app://renderer/index.html');
  });

  it.each([
    ['app://renderer/index.html', true],
    ['app://renderer/assets/index-abc.js', true],
    ['app://renderer/', true],
    ['app://other/index.html', false],
    ['app://renderer:8080/index.html', false],
    ['app://user@renderer/index.html', false],
    ['file:///opt/app/dist/renderer/index.html', false],
    ['https://renderer/index.html', false],
    ['devtools://devtools/bundled/inspector.html', false],
    ['not a url', false],
    [null, false],
  ])('isAppUrl(%s) = %s', (url, expected) => {
    expect(isAppUrl(url)).toBe(expected);
  });

  it.each([
    ['GET', 'app://renderer/', { status: 200, file: 'index.html', contentType: 'text/html; charset=utf-8' }],
    ['GET', 'app://renderer/index.html?x=1#/reset', { status: 200, file: 'index.html' }],
    ['HEAD', 'app://renderer/assets/a.css', { status: 200, file: 'assets/a.css', contentType: 'text/css; charset=utf-8' }],
    ['GET', 'app://renderer/assets/a.js', { status: 200, contentType: 'text/javascript; charset=utf-8' }],
    ['POST', 'app://renderer/index.html', { status: 405 }],
    ['GET', 'app://other/index.html', { status: 404 }],
    ['GET', 'app://renderer/..%2F..%2Fpackage.json', { status: 404 }],
    ['GET', 'app://renderer/assets%5c..%5cx.js', { status: 404 }],
    ['GET', 'app://renderer/.env', { status: 404 }],
    ['GET', 'app://renderer/assets//a.js', { status: 404 }],
    ['GET', 'app://renderer/secret.txt', { status: 404 }],
    ['GET', 'app://renderer/%E0%A4%A', { status: 404 }],
  ])('%s %s → %o', (method, url, expected) => {
    expect(resolveAppRequest(method, url)).toMatchObject(expected);
  });
});

describe('the app:// handler on a real renderer folder', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'sspr-app-protocol-'));
  const dir = path.join(work, 'renderer');
  mkdirSync(path.join(dir, 'assets'), { recursive: true });
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>app</title>');
  writeFileSync(path.join(dir, 'assets', 'a.js'), 'console.log(1)');
  writeFileSync(path.join(work, 'outside.js'), 'stolen()');
  symlinkSync(path.join(work, 'outside.js'), path.join(dir, 'assets', 'link.js'));
  const handle = appProtocolHandler(dir);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('answers the renderer\'s files with the CSP as a response header', async () => {
    const res = await handle(new Request('app://renderer/index.html'));
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<title>app</title>');
    expect(res.headers.get('content-security-policy')).toBe(APP_CSP);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const js = await handle(new Request('app://renderer/assets/a.js'));
    expect(await js.text()).toBe('console.log(1)');
  });

  it('refuses what is not a renderer file, still with the CSP: missing, outside, a symlink out, another host', async () => {
    for (const url of ['app://renderer/assets/missing.js', 'app://renderer/../outside.js', 'app://renderer/assets/link.js', 'app://other/index.html']) {
      const res = await handle(new Request(url));
      expect(res.status, url).toBe(404);
      expect(await res.text(), url).toBe('');
      expect(res.headers.get('content-security-policy'), url).toBe(APP_CSP);
    }
    expect((await handle(new Request('app://renderer/index.html', { method: 'POST', body: 'x' }))).status).toBe(405);
  });
});
