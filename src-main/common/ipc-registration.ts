/**
 * How the handler table is served over Electron IPC, without Electron: one invoke channel
 * whose calls are accepted only from the app's own top-level page, then validated and
 * dispatched by `dispatchIpc`. `electron-main/ipc-adapter.ts` hands it the real ipcMain.
 */
import { ELECTRON_INVOKE_CHANNEL, type IpcResult } from '../../shared/ipc/contract.js';
import { dispatchIpc, type IpcHandlers } from './ipc-dispatch.js';
import { ipcError } from './problem.js';

/** What the adapter reads from an `IpcMainInvokeEvent`. */
export interface SenderEvent {
  senderFrame: { url: string; parent: unknown } | null;
}

/** ipcMain's registration surface. */
export interface InvokeRegistrar {
  handle(channel: string, listener: (event: SenderEvent, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

export interface SenderPolicy {
  /** Is this the app's own page (file:// inside the renderer directory)? */
  isAppPage: (url: string) => boolean;
}

/**
 * A call from a frame that is not the app's top-level page (an injected iframe, a page
 * navigated elsewhere, a destroyed frame) is refused before anything is parsed.
 */
function isTrustedSender(event: SenderEvent, policy: SenderPolicy): boolean {
  const frame = event.senderFrame;
  return frame !== null && frame.parent === null && policy.isAppPage(frame.url);
}

export function registerIpc(registrar: InvokeRegistrar, handlers: IpcHandlers, policy: SenderPolicy): () => void {
  registrar.handle(ELECTRON_INVOKE_CHANNEL, async (event, channel, input): Promise<IpcResult<unknown>> => {
    if (!isTrustedSender(event, policy)) return { ok: false, error: ipcError('forbidden', 'Calls are accepted only from the app itself.') };
    return dispatchIpc(handlers, channel, input);
  });
  return () => registrar.removeHandler(ELECTRON_INVOKE_CHANNEL);
}
