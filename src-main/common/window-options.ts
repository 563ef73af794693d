/**
 * The Electron security checklist as data: the BrowserWindow options, the CSP, and the
 * rule for which URLs are the app's own. Pure, so a unit test pins every item.
 */
import type { BrowserWindowConstructorOptions } from 'electron';

/** Also set as a `<meta>` in the renderer's index.html; the session header wins either way. */
export const APP_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** The renderer build inside the app (vite's outDir). */
export const RENDERER_DIR = 'dist/renderer';

interface WindowMode {
  kiosk: boolean;
  /** Started by the OS sign-in screen (`--logon`): full screen, on top, nothing beyond reset. */
  logon?: boolean;
  /** Devtools may open (see `devToolsAllowed`); never in kiosk or logon mode. */
  devTools?: boolean;
  /** Absolute path of the preload script (compiled .cjs). */
  preloadPath: string;
  title: string;
}

export function windowOptions(mode: WindowMode): BrowserWindowConstructorOptions {
  const locked = mode.kiosk || mode.logon === true;
  return {
    title: mode.title,
    width: 520,
    height: 720,
    minWidth: 400,
    minHeight: 560,
    show: false,
    backgroundColor: '#ffffff',
    autoHideMenuBar: true,
    // Kiosk and logon: full screen, no way out to the desktop, no menu.
    kiosk: locked,
    fullscreen: locked,
    fullscreenable: locked,
    closable: !locked,
    minimizable: !locked,
    maximizable: !locked,
    movable: !locked,
    alwaysOnTop: locked,
    skipTaskbar: false,
    webPreferences: {
      preload: mode.preloadPath,
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
      safeDialogs: true,
      spellcheck: false,
      // Middle-click would ask for a new window (denied anyway): not even the event.
      disableBlinkFeatures: 'Auxclick',
      devTools: !locked && (mode.devTools ?? true),
    },
  };
}

/**
 * Devtools: for development runs; in an installed app only when the managed configuration
 * turns them on (a support case), and never at a kiosk or the sign-in screen.
 */
export function devToolsAllowed(mode: { packaged: boolean; kiosk: boolean; logon: boolean; managedAllows: boolean | undefined }): boolean {
  if (mode.kiosk || mode.logon) return false;
  return mode.packaged ? mode.managedAllows === true : true;
}

/** A path as compared below: forward slashes, lower-case drive letter, no trailing slash. */
function comparablePath(p: string): string {
  const posix = p.replace(/\\/g, '/').replace(/\/+$/, '');
  return /^[A-Za-z]:\//.test(posix) ? posix[0]!.toLowerCase() + posix.slice(1) : posix;
}

/**
 * Is `url` one of the app's own pages: a file:// URL of a file inside `rendererDir` (an
 * absolute path)? Used for navigation and for the IPC sender check. Paths are compared
 * decoded, so how a browser chose to percent-encode the install path does not matter;
 * encoded separators and dot segments are refused outright.
 */
export function isAppPageUrl(url: string | null | undefined, rendererDir: string): boolean {
  if (!url) return false;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol !== 'file:' || (u.host !== '' && u.host !== 'localhost')) return false;
  if (/%2f|%5c|%00/i.test(u.pathname)) return false;
  let decoded: string;
  try {
    decoded = decodeURIComponent(u.pathname);
  } catch {
    return false;
  }
  // `/C:/Program Files/…` on Windows.
  const filePath = comparablePath(/^\/[A-Za-z]:\//.test(decoded) ? decoded.slice(1) : decoded);
  if (filePath.split('/').some((seg) => seg === '..' || seg === '.')) return false;
  return filePath.startsWith(`${comparablePath(rendererDir)}/`);
}

/** Links the app may hand to the OS (the branding's contact address): https and mailto only. */
export function isExternalLinkAllowed(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'mailto:';
  } catch {
    return false;
  }
}
