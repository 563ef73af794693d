/**
 * The Electron security checklist as data: the BrowserWindow options, the CSP, and the
 * rule for which URLs are the app's own. Pure, so a unit test pins every item.
 */
import type { BrowserWindowConstructorOptions } from 'electron';

/** Also set as a `<meta>` in the renderer's index.html; the session header wins either way. */
export const APP_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** The renderer build inside the app (vite's outDir). */
export const RENDERER_DIR = 'dist/renderer';
export const RENDERER_ENTRY = `${RENDERER_DIR}/index.html`;

export interface WindowMode {
  kiosk: boolean;
  /** Absolute path of the preload script (compiled .cjs). */
  preloadPath: string;
  title: string;
}

export function windowOptions(mode: WindowMode): BrowserWindowConstructorOptions {
  return {
    title: mode.title,
    width: 520,
    height: 720,
    minWidth: 400,
    minHeight: 560,
    show: false,
    backgroundColor: '#ffffff',
    autoHideMenuBar: true,
    // Kiosk: full screen, no way out to the desktop, no menu.
    kiosk: mode.kiosk,
    fullscreen: mode.kiosk,
    fullscreenable: mode.kiosk,
    closable: !mode.kiosk,
    minimizable: !mode.kiosk,
    alwaysOnTop: mode.kiosk,
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
      devTools: !mode.kiosk,
    },
  };
}

/** The file:// URL of a directory, with a trailing slash, for prefix checks. */
export function directoryUrl(absoluteDirPath: string): string {
  const posix = absoluteDirPath.replace(/\\/g, '/');
  const withSlash = posix.endsWith('/') ? posix : `${posix}/`;
  const encoded = withSlash
    .split('/')
    .map((seg) => encodeURIComponent(seg).replace(/%3A/g, ':'))
    .join('/');
  return `file://${encoded.startsWith('/') ? '' : '/'}${encoded}`;
}

/**
 * Is `url` one of the app's own pages: a file:// URL inside the renderer directory?
 * Used for navigation and for the IPC sender check. No query tricks: the path is
 * normalised by URL parsing, so `..` cannot climb out of the directory.
 */
export function isAppPageUrl(url: string | null | undefined, rendererDirUrl: string): boolean {
  if (!url) return false;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol !== 'file:' || (u.host !== '' && u.host !== 'localhost')) return false;
  const normalised = `file://${u.pathname}`;
  return normalised.startsWith(rendererDirUrl);
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
