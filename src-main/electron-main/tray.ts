/** The tray (signed-in mode): open the app, change password, reset, why reset fails here, quit. */
import { Menu, nativeImage, Tray } from 'electron';
import type { Locale } from '../../shared/api/common.js';

/** 16×16 PNG, inline so the tray needs no asset file next to the asar. */
const TRAY_ICON = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hAAAAPUlEQVR4nGOQ9+thoARjE/xPAOM1gJBmDEPI0YxiCLma4YbQ1ABiwmeQG/CfiBgaRAZQnJCokpSpkplIxgADW5J2WoCXZwAAAABJRU5ErkJggg==';

const LABELS = {
  en: { open: 'Open', change: 'Change password…', reset: 'Reset a password…', diagnose: 'Why can\'t I reset here?', quit: 'Quit' },
  ja: { open: '開く', change: 'パスワードを変更…', reset: 'パスワードをリセット…', diagnose: 'ここでリセットできないのはなぜ?', quit: '終了' },
} as const;

export function createTray(locale: Locale, tooltip: string, open: (screen: 'home' | 'changePassword' | 'reset' | 'diagnosis') => void, quit: () => void): Tray {
  const tray = new Tray(nativeImage.createFromDataURL(TRAY_ICON));
  const l = LABELS[locale];
  tray.setToolTip(tooltip);
  tray.setContextMenu(
    Menu.buildFromTemplate([
      { label: l.open, click: () => open('home') },
      { label: l.change, click: () => open('changePassword') },
      { label: l.reset, click: () => open('reset') },
      { label: l.diagnose, click: () => open('diagnosis') },
      { type: 'separator' },
      { label: l.quit, click: quit },
    ]),
  );
  tray.on('click', () => open('home'));
  return tray;
}
