/**
 * The renderer's only way out: `window.companion`, exposed by the preload (or by the
 * Playwright test host with the same shape). Typed by the IPC contract; the renderer never
 * touches the network, Node or Electron itself.
 */
import type { CompanionBridge } from '../shared/ipc/contract.js';

declare global {
  interface Window {
    companion?: CompanionBridge;
  }
}

/** The bridge, or a clear failure when the page runs outside the app. */
export function getBridge(): CompanionBridge {
  const bridge = window.companion;
  if (!bridge) throw new Error('window.companion is missing: the renderer must run inside the companion app or its test host');
  return bridge;
}
