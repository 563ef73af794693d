/**
 * App-wide Electron hardening: every web contents may show only the app's own pages, opens
 * no windows, attaches no webviews, gets no permissions, and every response carries the CSP.
 */
import { app, type Session, type WebContents } from 'electron';
import { APP_CSP, isAppPageUrl } from '../common/window-options.js';

export function hardenSession(session: Session): void {
  session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [APP_CSP] } });
  });
  // The renderer makes no network requests: anything that is not an app file is cancelled.
  session.webRequest.onBeforeRequest((details, callback) => {
    const url = details.url;
    callback({ cancel: !(url.startsWith('file://') || url.startsWith('devtools://') || url.startsWith('data:')) });
  });
}

export function guardWebContents(rendererDir: string, options: { kiosk: boolean; onInput: () => void }): void {
  app.on('web-contents-created', (_event, contents: WebContents) => {
    const deny = (event: { preventDefault(): void }, url: string) => {
      if (!isAppPageUrl(url, rendererDir)) event.preventDefault();
    };
    contents.on('will-navigate', deny);
    contents.on('will-redirect', deny);
    contents.on('will-frame-navigate', (event) => deny(event, event.url));
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.on('before-input-event', () => options.onInput());
    if (options.kiosk) contents.on('devtools-opened', () => contents.closeDevTools());
  });
}
