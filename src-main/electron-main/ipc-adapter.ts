/**
 * The ONLY place that touches `ipcMain` (a lint rule holds this): one invoke channel whose
 * calls are accepted only from the app's own renderer page, then validated and dispatched
 * to the plain handler table by `dispatchIpc`.
 */
import { ipcMain } from 'electron';
import { ELECTRON_INVOKE_CHANNEL, type IpcResult } from '../../shared/ipc/contract.js';
import { dispatchIpc, type IpcHandlers } from '../common/ipc-dispatch.js';
import { ipcError } from '../common/problem.js';

/** What the adapter reads from an `IpcMainInvokeEvent`. */
export interface SenderEvent {
  senderFrame: { url: string; parent: unknown } | null;
}

/** `ipcMain`'s shape, so the adapter logic is tested without Electron. */
export interface InvokeRegistrar {
  handle(channel: string, listener: (event: SenderEvent, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

export interface AdapterOptions {
  /** Is this the app's own page (file:// inside the renderer directory)? */
  isAppPage: (url: string) => boolean;
}

/**
 * A call from a frame that is not the app's top-level page (an injected iframe, a page
 * navigated elsewhere, a destroyed frame) is refused before anything is parsed.
 */
export function isTrustedSender(event: SenderEvent, options: AdapterOptions): boolean {
  const frame = event.senderFrame;
  return frame !== null && frame.parent === null && options.isAppPage(frame.url);
}

export function registerIpc(registrar: InvokeRegistrar, handlers: IpcHandlers, options: AdapterOptions): () => void {
  registrar.handle(ELECTRON_INVOKE_CHANNEL, async (event, channel, input): Promise<IpcResult<unknown>> => {
    if (!isTrustedSender(event, options)) return { ok: false, error: ipcError('forbidden', 'Calls are accepted only from the app itself.') };
    return dispatchIpc(handlers, channel, input);
  });
  return () => registrar.removeHandler(ELECTRON_INVOKE_CHANNEL);
}

/** Registers the handler table with Electron's real `ipcMain`. */
export function registerWithElectron(handlers: IpcHandlers, options: AdapterOptions): () => void {
  return registerIpc(ipcMain, handlers, options);
}
