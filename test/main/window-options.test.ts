import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { APP_CSP, devToolsAllowed, isAppPageUrl, isExternalLinkAllowed, windowOptions } from '../../src-main/common/window-options.js';

const source = (p: string) => readFileSync(new URL(`../../${p}`, import.meta.url), 'utf8');

describe('Electron security checklist: BrowserWindow options', () => {
  for (const kiosk of [false, true]) {
    it(`${kiosk ? 'kiosk' : 'desktop'}: isolation, sandbox, no Node, web security, no webview`, () => {
      const o = windowOptions({ kiosk, preloadPath: '/app/dist/main/src-main/preload/preload.cjs', title: 'SSPR Companion' });
      expect(o.webPreferences).toMatchObject({
        preload: '/app/dist/main/src-main/preload/preload.cjs',
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        nodeIntegrationInWorker: false,
        nodeIntegrationInSubFrames: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
        experimentalFeatures: false,
        webviewTag: false,
        navigateOnDragDrop: false,
      });
      expect(o.webPreferences).not.toHaveProperty('enableRemoteModule');
    });
  }

  it('kiosk: full screen, no devtools, cannot be closed or minimised; desktop keeps devtools for support', () => {
    const k = windowOptions({ kiosk: true, preloadPath: '/p.cjs', title: 't' });
    expect(k).toMatchObject({ kiosk: true, fullscreen: true, closable: false, minimizable: false, autoHideMenuBar: true });
    expect(k.webPreferences?.devTools).toBe(false);
    const d = windowOptions({ kiosk: false, preloadPath: '/p.cjs', title: 't' });
    expect(d).toMatchObject({ kiosk: false, fullscreen: false, closable: true });
  });

  it('logon mode: full screen, always on top, no devtools, cannot be closed, minimised, resized away or moved', () => {
    const l = windowOptions({ kiosk: false, logon: true, devTools: true, preloadPath: '/p.cjs', title: 't' });
    expect(l).toMatchObject({ kiosk: true, fullscreen: true, alwaysOnTop: true, closable: false, minimizable: false, maximizable: false, movable: false });
    expect(l.webPreferences?.devTools).toBe(false);
    expect(l.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webviewTag: false, navigateOnDragDrop: false });
  });

  it('devtools: development runs yes; installed app only when the managed config allows; never at a kiosk or the sign-in screen', () => {
    const allowed = (packaged: boolean, kiosk: boolean, logon: boolean, managedAllows: boolean | undefined) => devToolsAllowed({ packaged, kiosk, logon, managedAllows });
    expect(allowed(false, false, false, undefined)).toBe(true);
    expect(allowed(true, false, false, undefined)).toBe(false);
    expect(allowed(true, false, false, false)).toBe(false);
    expect(allowed(true, false, false, true)).toBe(true);
    for (const managed of [undefined, true]) {
      expect(allowed(true, true, false, managed)).toBe(false);
      expect(allowed(true, false, true, managed)).toBe(false);
      expect(allowed(false, true, false, managed)).toBe(false);
      expect(allowed(false, false, true, managed)).toBe(false);
    }
    expect(windowOptions({ kiosk: false, devTools: false, preloadPath: '/p.cjs', title: 't' }).webPreferences?.devTools).toBe(false);
    expect(windowOptions({ kiosk: false, devTools: true, preloadPath: '/p.cjs', title: 't' }).webPreferences?.devTools).toBe(true);
  });

  it('strict CSP: nothing by default, scripts and styles from the app, no connections', () => {
    const directives = Object.fromEntries(APP_CSP.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v.join(' ')]));
    expect(directives).toMatchObject({
      'default-src': "'none'",
      'script-src': "'self'",
      'style-src': "'self'",
      'img-src': "'self' data:",
      'connect-src': "'none'",
      'base-uri': "'none'",
      'form-action': "'none'",
    });
    expect(APP_CSP).not.toMatch(/unsafe-(inline|eval)/);
  });

  it('the built renderer page carries the same CSP as a meta tag (when built)', () => {
    let html: string;
    try {
      html = source('dist/renderer/index.html');
    } catch {
      console.log('dist/renderer/index.html not built yet (npm run build:renderer): meta CSP checked against the source page instead');
      html = source('src-renderer/index.html');
    }
    const meta = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]+)"/i.exec(html);
    expect(meta, 'index.html needs <meta http-equiv="Content-Security-Policy">').not.toBeNull();
    const norm = (csp: string) => csp.split(';').map((d) => d.trim()).filter(Boolean).sort();
    for (const d of norm(meta![1]!)) expect(norm(APP_CSP)).toContain(d);
    expect(meta![1]).toContain("connect-src 'none'");
  });
});

describe('navigation and the IPC sender: only the app\'s own file:// pages', () => {
  const dir = '/opt/SSPR Companion/resources/app.asar/dist/renderer';
  it.each([
    ['file:///opt/SSPR%20Companion/resources/app.asar/dist/renderer/index.html', true],
    ['file:///opt/SSPR%20Companion/resources/app.asar/dist/renderer/index.html#/reset', true],
    ['file:///opt/SSPR Companion/resources/app.asar/dist/renderer/assets/x.js', true],
    ['file:///opt/SSPR%20Companion/resources/app.asar/dist/renderer/../../package.json', false],
    ['file:///opt/SSPR%20Companion/resources/app.asar/dist/renderer/%2e%2e/x.html', false],
    ['file:///opt/SSPR%20Companion/resources/app.asar/dist/renderer/..%2F..%2Fx.html', false],
    ['file:///opt/SSPR%20Companion/resources/app.asar/dist/renderer-evil/index.html', false],
    ['file:///etc/passwd', false],
    ['file://attacker.example/opt/SSPR%20Companion/resources/app.asar/dist/renderer/index.html', false],
    ['https://example.com/', false],
    ['http://127.0.0.1:8787/', false],
    ['devtools://devtools/bundled/inspector.html', false],
    ['about:blank', false],
    ['', false],
    [null, false],
  ])('%s → %s', (url, allowed) => {
    expect(isAppPageUrl(url, dir)).toBe(allowed);
  });

  it('Windows install paths (drive letter, backslashes, characters browsers leave unencoded)', () => {
    const win = 'C:\\Program Files\\SSPR & Co, Inc\\resources\\app.asar\\dist\\renderer';
    expect(isAppPageUrl('file:///C:/Program%20Files/SSPR%20&%20Co,%20Inc/resources/app.asar/dist/renderer/index.html', win)).toBe(true);
    expect(isAppPageUrl('file:///c:/Program%20Files/SSPR%20%26%20Co%2C%20Inc/resources/app.asar/dist/renderer/index.html', win)).toBe(true);
    expect(isAppPageUrl('file:///D:/Program%20Files/SSPR%20&%20Co,%20Inc/resources/app.asar/dist/renderer/index.html', win)).toBe(false);
  });

  it('external links: https and mailto only', () => {
    expect(isExternalLinkAllowed('https://help.example.com/sspr')).toBe(true);
    expect(isExternalLinkAllowed('mailto:it@example.com')).toBe(true);
    for (const bad of ['http://help.example.com', 'file:///etc/passwd', 'javascript:alert(1)', 'smb://share/x', 'not a url']) expect(isExternalLinkAllowed(bad)).toBe(false);
  });
});

describe('Electron security checklist: the shell wires every item (config lines)', () => {
  const main = source('src-main/electron-main/main.ts');
  const security = source('src-main/electron-main/security.ts');
  it.each([
    ['app.enableSandbox() before ready', main, /app\.enableSandbox\(\);[\s\S]*app\.whenReady\(\)/],
    ['single instance', main, /requestSingleInstanceLock\(\)/],
    ['kiosk: no menu', main, /if \(kioskMode\) Menu\.setApplicationMenu\(null\)/],
    // Was: pages loaded with loadFile (file://) and no loadURL at all. Issue 13 item 6 moves the
    // renderer to the app:// origin: the one URL loaded is its entry, and no file:// page is.
    ['pages loaded from the app:// origin only', main, /loadURL\(APP_ENTRY_URL\)/],
    ['no file:// page and no other URL loaded', main, /^(?![\s\S]*loadFile\()(?![\s\S]*loadURL\((?!APP_ENTRY_URL\)))/],
    ['app:// registered as a privileged scheme before ready', main, /registerAppScheme\(\);[\s\S]*app\.whenReady\(\)/],
    ['app:// answered by the renderer-files handler only', security, /protocol\.handle\(APP_SCHEME, appProtocolHandler\(rendererDir\)\)/],
    ['requests: only the app:// origin (devtools pages only when devtools are allowed)', security, /onBeforeRequest\(\(details, callback\) => \{\s*callback\(\{ cancel: !\(isAppUrl\(details\.url\) \|\| \(options\.devTools && /],
    ['navigation and the IPC sender: the app:// origin', main, /isAppPage: isAppUrl/],
    ['devtools: decided by devToolsAllowed (packaged: managed config only)', main, /devToolsAllowed\(\{ packaged: app\.isPackaged, kiosk: kioskMode, logon(: [^,]+)?, managedAllows: managed\.config\?\.allowDevTools \}\)/],
    ['IPC sender check', main, /registerWithElectron\(companion\.handlers, \{ isAppPage:/],
    ['logon: the profile in a temporary folder, removed on exit', main, /mkdtempSync\(path\.join\(os\.tmpdir\(\), 'sspr-logon-'\)\)[\s\S]*rmSync\(logonData, \{ recursive: true, force: true \}\)[\s\S]*app\.setPath\('userData', logonData\)[\s\S]*app\.on\('will-quit', removeLogonData\)/],
    ['logon: kiosk forced (reset flow only)', main, /logon \? \{ \.\.\.loaded, config: \{ \.\.\.loaded\.config, kioskMode: true \} \}/],
    ['logon: no keychain', main, /logon \? new UnavailableSecretStore\(/],
    ['logon: no OS shell (no external links), an exit code instead', main, /logon\s*\?\s*\{ logon: \{ exit: [^}]*\} \}\s*:\s*\{ openExternal/],
    ['logon: no auto-start registration', main, /app\.isPackaged && !logon/],
    ['logon: window options of the logon mode', main, /windowOptions\(\{ kiosk: kioskMode, logon, /],
    ['web-contents-created guard', security, /app\.on\('web-contents-created'/],
    ['will-navigate denied', security, /contents\.on\('will-navigate', deny\)/],
    ['will-redirect denied', security, /contents\.on\('will-redirect', deny\)/],
    ['window.open denied', security, /setWindowOpenHandler\(\(\) => \(\{ action: 'deny' \}\)\)/],
    ['webview denied', security, /will-attach-webview', \(event\) => event\.preventDefault\(\)/],
    ['permission requests denied', security, /setPermissionRequestHandler\(\(_wc, _permission, callback\) => callback\(false\)\)/],
    ['permission checks denied', security, /setPermissionCheckHandler\(\(\) => false\)/],
    ['CSP response header', security, /'Content-Security-Policy': \[APP_CSP\]/],
    ['kiosk: devtools closed if opened', security, /devtools-opened', \(\) => contents\.closeDevTools\(\)/],
  ])('%s', (_name, text, pattern) => {
    expect(text).toMatch(pattern);
  });

  it('no `remote` module anywhere in main or preload', () => {
    for (const f of ['src-main/electron-main/main.ts', 'src-main/electron-main/security.ts', 'src-main/preload/preload.cts']) {
      expect(source(f)).not.toMatch(/@electron\/remote|enableRemoteModule/);
    }
  });

  it('the preload exposes only window.companion and uses the contract channel names', async () => {
    const preload = source('src-main/preload/preload.cts');
    expect(preload.match(/exposeInMainWorld\(/g)).toHaveLength(1);
    expect(preload).toMatch(/exposeInMainWorld\('companion', Object\.freeze\(bridge\)\)/);
    const { ELECTRON_INVOKE_CHANNEL, ELECTRON_EVENT_CHANNEL } = await import('../../shared/ipc/contract.js');
    expect(preload).toContain(`'${ELECTRON_INVOKE_CHANNEL}'`);
    expect(preload).toContain(`'${ELECTRON_EVENT_CHANNEL}'`);
  });
});
