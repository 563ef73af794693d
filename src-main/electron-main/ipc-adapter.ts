/** The ONLY place that touches `ipcMain` (a lint rule holds this). The logic is in common/ipc-registration.ts. */
import { ipcMain } from 'electron';
import type { IpcHandlers } from '../common/ipc-dispatch.js';
import { registerIpc, type SenderPolicy } from '../common/ipc-registration.js';

export function registerWithElectron(handlers: IpcHandlers, policy: SenderPolicy): () => void {
  return registerIpc(ipcMain, handlers, policy);
}
