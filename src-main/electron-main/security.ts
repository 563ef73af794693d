/**
 * App-wide Electron hardening: the renderer comes from the privileged `app://` origin (its
 * files only, the CSP as a response header); every web contents may show only that origin,
 * opens no windows, attaches no webviews, gets no permissions, and requests nothing else.
 */
import { app, protocol, type Session, type WebContents } from 'electron';
import { APP_SCHEME, APP_SCHEME_PRIVILEGES, isAppUrl } from '../common/app-protocol.js';
import { APP_CSP } from '../common/window-options.js';
import { appProtocolHandler } from '../node/app-protocol-handler.js';

/** Must run before `ready`. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { ...APP_SCHEME_PRIVILEGES } }]);
}

export function hardenSession(session: Session, rendererDir: string, options: { devTools: boolean }): void {
  session.protocol.handle(APP_SCHEME, appProtocolHandler(rendererDir));
  session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [APP_CSP] } });
  });
  // The renderer makes no network requests: anything not on the app's origin is cancelled
  // (devtools' own pages too, unless devtools are allowed).
  session.webRequest.onBeforeRequest((details, callback) => {
    callback({ cancel: !(isAppUrl(details.url) || (options.devTools && details.url.startsWith('devtools://'))) });
  });
}

export function guardWebContents(options: { kiosk: boolean; devTools: boolean; onInput: () => void }): void {
  app.on('web-contents-created', (_event, contents: WebContents) => {
    const deny = (event: { preventDefault(): void }, url: string) => {
      if (!isAppUrl(url)) event.preventDefault();
    };
    contents.on('will-navigate', deny);
    contents.on('will-redirect', deny);
    contents.on('will-frame-navigate', (event) => deny(event, event.url));
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.on('before-input-event', () => options.onInput());
    if (options.kiosk || !options.devTools) contents.on('devtools-opened', () => contents.closeDevTools());
  });
}
