/**
 * The Electron shell, kept thin: reads the managed config, opens the keychain, builds the
 * Companion core, registers its handler table with ipcMain, and owns the window, tray,
 * notifications, kiosk mode and single instance. Everything with logic lives in common/
 * and node/, where it is tested without Electron.
 */
import { app, BrowserWindow, clipboard, Menu, Notification, session, shell, type Tray } from 'electron';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { IpcEventSink } from '../../shared/ipc/contract.js';
import { ELECTRON_EVENT_CHANNEL } from '../../shared/ipc/contract.js';
import { KEYCHAIN_SERVICE, PRODUCT_NAME } from '../common/app-identity.js';
import { localeFromOs } from '../common/effective-config.js';
import type { NativeNotification } from '../common/notification-text.js';
import { systemClock, systemTimers } from '../common/time.js';
import { APP_ENTRY_URL, isAppUrl } from '../common/app-protocol.js';
import { isLogonLaunch, LOGON_EXIT_CODES } from '../common/logon-mode.js';
import { devToolsAllowed, RENDERER_DIR, windowOptions } from '../common/window-options.js';
import { Companion } from '../node/companion.js';
import { ConfigService } from '../node/config-service.js';
import { setLinuxAutostart } from '../node/linux-autostart.js';
import { loadManagedConfig } from '../node/managed-config.js';
import { openSecretStore, UnavailableSecretStore } from '../node/secret-store.js';
import { SettingsStore } from '../node/settings-store.js';
import { registerWithElectron } from './ipc-adapter.js';
import { guardWebContents, hardenSession, registerAppScheme } from './security.js';
import { createTray } from './tray.js';

/** Launched at login: start in the tray, without a window. */
const START_HIDDEN = '--hidden';
/** "Why can't I reset here?" first (a helpdesk asks a user to start the app so). */
const DIAGNOSE = '--diagnose';

/** Held here: a tray that is garbage-collected disappears from the screen. */
let tray: Tray | null = null;

// Every renderer sandboxed, whatever a window's options say; the app:// origin. Before `ready`.
app.enableSandbox();
registerAppScheme();

// Logon mode (docs/logon-integration.md): nothing of this run may outlive it, so its profile
// lives in a temporary folder, removed however the process ends.
const logon = isLogonLaunch(process.argv);
const logonData = logon ? mkdtempSync(path.join(os.tmpdir(), 'sspr-logon-')) : null;
const removeLogonData = () => {
  if (logonData) rmSync(logonData, { recursive: true, force: true });
};
if (logonData) {
  app.setPath('userData', logonData);
  app.setPath('sessionData', logonData);
  // app.exit() skips 'will-quit': the logon exit path removes the folder itself too.
  app.on('will-quit', removeLogonData);
  process.on('exit', removeLogonData);
}

async function main(): Promise<void> {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  await app.whenReady();

  const loaded = await loadManagedConfig({ platform: process.platform });
  if (loaded.problem) process.stderr.write(`${loaded.problem}\n`);
  // The sign-in screen is a kiosk: reset flow only, whatever the machine's settings say.
  const managed = logon ? { ...loaded, config: { ...loaded.config, kioskMode: true } } : loaded;
  const settings = new SettingsStore(app.getPath('userData'));
  settings.save();
  const config = new ConfigService({ serverUrl: process.env.SSPR_SERVER_URL ?? null, locale: localeFromOs(app.getLocale()) }, settings, managed);
  const secrets = logon ? new UnavailableSecretStore('logon mode: nothing is kept at the sign-in screen') : await openSecretStore(KEYCHAIN_SERVICE);
  if (!secrets.available) process.stderr.write(`keychain unavailable (${secrets.unavailableReason}): nothing will be remembered between runs\n`);
  else process.stderr.write(`keychain binding: ${secrets.binding}\n`);
  const { kioskMode, autoStart, locale } = config.get();

  const rendererDir = path.join(app.getAppPath(), RENDERER_DIR);
  let win: BrowserWindow | null = null;

  const events: IpcEventSink = {
    emit(event, payload) {
      if (win && !win.isDestroyed()) win.webContents.send(ELECTRON_EVENT_CHANNEL, event, payload);
    },
  };
  const showWindow = () => {
    if (!win || win.isDestroyed()) win = createWindow();
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  };
  const notifier = {
    show(n: NativeNotification) {
      if (!Notification.isSupported()) return;
      const note = new Notification({ title: n.title, body: n.body });
      note.on('click', () => {
        showWindow();
        events.emit('app:navigate', { screen: n.screen });
      });
      note.show();
    },
  };

  const companion = new Companion({
    app: { name: PRODUCT_NAME, version: app.getVersion(), platform: process.platform, instanceId: settings.instanceId, osUsername: os.userInfo().username },
    config,
    secrets,
    clock: systemClock,
    timers: systemTimers,
    notifier,
    events,
    proxyEnv: process.env,
    openDiagnosis: process.argv.includes(DIAGNOSE),
    // Nothing outside the app at the sign-in screen.
    ...(logon
      ? { logon: { exit: (code: number) => (removeLogonData(), app.exit(code)) } }
      : { openExternal: (url: string) => shell.openExternal(url), clipboard: { writeText: (text: string) => clipboard.writeText(text) } }),
  });

  const devTools = devToolsAllowed({ packaged: app.isPackaged, kiosk: kioskMode, logon, managedAllows: managed.config?.allowDevTools });
  hardenSession(session.defaultSession, rendererDir, { devTools });
  guardWebContents({ kiosk: kioskMode, devTools, onInput: () => companion.activity() });
  registerWithElectron(companion.handlers, { isAppPage: isAppUrl });
  if (kioskMode) Menu.setApplicationMenu(null);

  let quitting = false;
  function createWindow(): BrowserWindow {
    const w = new BrowserWindow(windowOptions({ kiosk: kioskMode, logon, devTools, preloadPath: path.join(app.getAppPath(), 'dist/main/src-main/preload/preload.cjs'), title: PRODUCT_NAME }));
    w.once('ready-to-show', () => w.show());
    w.on('close', (event) => {
      // Kiosk: never closes. Signed-in mode: hides to the tray, so warnings keep coming.
      if (kioskMode || !quitting) {
        event.preventDefault();
        if (!kioskMode) w.hide();
      }
    });
    void w.loadURL(APP_ENTRY_URL);
    return w;
  }

  app.on('second-instance', (_event, argv) => {
    showWindow();
    if (argv.includes(DIAGNOSE)) events.emit('app:navigate', { screen: 'diagnosis' });
  });
  app.on('before-quit', () => {
    quitting = true;
    companion.stop();
    tray?.destroy();
  });
  app.on('window-all-closed', () => {
    /* stay in the tray */
  });

  // Only an installed app registers itself (a development run would register the bare Electron binary).
  if (app.isPackaged && !logon) {
    if (process.platform === 'linux') setLinuxAutostart(process.env.XDG_CONFIG_HOME || path.join(app.getPath('home'), '.config'), autoStart, process.env.APPIMAGE ?? process.execPath, PRODUCT_NAME);
    else app.setLoginItemSettings({ openAtLogin: autoStart, args: [START_HIDDEN] });
  }
  if (!kioskMode) {
    tray = createTray(locale, PRODUCT_NAME, (screen) => {
      showWindow();
      events.emit('app:navigate', { screen });
    }, () => {
      quitting = true;
      app.quit();
    });
  }
  if (kioskMode || !process.argv.includes(START_HIDDEN) || process.argv.includes(DIAGNOSE)) win = createWindow();
  await companion.start();
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  removeLogonData();
  app.exit(LOGON_EXIT_CODES.failed);
});
