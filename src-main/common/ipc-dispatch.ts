/**
 * One IPC call, whoever carries it (Electron's ipcMain adapter, the Playwright test host):
 * the channel must exist, the input must match its schema, and what goes back is re-parsed
 * with the result schema, so nothing beyond the contract (a token, a stack) can leak to the
 * renderer. Handlers never throw across this line.
 */
import { IPC_CHANNELS, IpcError, isIpcChannel, type IpcChannel, type IpcOutput, type IpcParsedInput, type IpcResult } from '../../shared/ipc/contract.js';
import { ipcError } from './problem.js';

export type IpcHandlers = { [C in IpcChannel]: (input: IpcParsedInput<C>) => Promise<IpcResult<IpcOutput<C>>> };

export async function dispatchIpc(handlers: IpcHandlers, channel: unknown, input: unknown): Promise<IpcResult<unknown>> {
  if (!isIpcChannel(channel)) return { ok: false, error: ipcError('unknown_channel', 'Unknown channel.') };
  const def = IPC_CHANNELS[channel];
  const parsed = def.input.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 10).map((i) => ({ path: i.path.map(String).join('.') || '(input)', message: i.message }));
    return { ok: false, error: ipcError('invalid_input', `${issues[0]!.path}: ${issues[0]!.message}`, { issues }) };
  }
  let result: IpcResult<unknown>;
  try {
    result = await (handlers[channel] as (i: unknown) => Promise<IpcResult<unknown>>)(parsed.data);
  } catch {
    return { ok: false, error: ipcError('internal', 'Something went wrong in the app. Try again.') };
  }
  if (!result.ok) {
    const error = IpcError.safeParse(result.error);
    return { ok: false, error: error.success ? error.data : ipcError('internal', 'Something went wrong in the app. Try again.') };
  }
  const value = def.result.safeParse(result.value);
  return value.success ? { ok: true, value: value.data } : { ok: false, error: ipcError('internal', 'Something went wrong in the app. Try again.') };
}
