import type { CompanionBridge, IpcChannel, IpcError, IpcInputArgs, IpcOutput, IpcResult } from '../../shared/ipc/contract.js';

/** Invokes a channel; a bridge that throws (a bug, a closed window) becomes an `internal` error. */
export async function call<C extends IpcChannel>(bridge: CompanionBridge, channel: C, ...input: IpcInputArgs<C>): Promise<IpcResult<IpcOutput<C>>> {
  try {
    return await bridge.invoke(channel, ...input);
  } catch {
    const error: IpcError = { code: 'internal', detail: 'The app could not complete the request.' };
    return { ok: false, error };
  }
}
