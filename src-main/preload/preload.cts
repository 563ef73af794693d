/**
 * The preload: exposes `window.companion` = `{ invoke, on }` and nothing else. It runs
 * sandboxed, where only `electron` can be required, so the two channel names are repeated
 * here; their types pin them to the contract's constants at compile time. The renderer
 * never sees `ipcRenderer` or an IPC event object.
 */
import { contextBridge, ipcRenderer } from 'electron';
import type { CompanionBridge, ELECTRON_EVENT_CHANNEL, ELECTRON_INVOKE_CHANNEL } from '../../shared/ipc/contract.js';

const INVOKE: typeof ELECTRON_INVOKE_CHANNEL = 'companion:invoke';
const EVENT: typeof ELECTRON_EVENT_CHANNEL = 'companion:event';

const bridge: CompanionBridge = {
  invoke: (channel, ...input) => ipcRenderer.invoke(INVOKE, String(channel), input[0] ?? null),
  on(event, listener) {
    const wrapped = (_e: unknown, name: unknown, payload: unknown) => {
      if (name === event) listener(payload as never);
    };
    ipcRenderer.on(EVENT, wrapped);
    return () => {
      ipcRenderer.removeListener(EVENT, wrapped);
    };
  },
};

contextBridge.exposeInMainWorld('companion', Object.freeze(bridge));
