import type { Page } from '@playwright/test';
import type { IpcEvent, IpcEventPayload, IpcEventSink } from '../../shared/ipc/contract.js';

/** What serves the IPC channels: main's real handler table. */
type Invoke = (channel: string, input: unknown) => Promise<unknown>;

/**
 * The page side, as source text: scripts are handed to the page as strings, never as
 * serialised functions, so a transpiler's helpers (tsx's `__name`) cannot leak into them.
 */
const BRIDGE_SCRIPT = `(() => {
  const listeners = new Map();
  const invoke = globalThis.__companionInvoke;
  globalThis.companion = Object.freeze({
    invoke: (channel, input) => invoke(channel, input === undefined ? null : input),
    on(event, listener) {
      const set = listeners.get(event) ?? new Set();
      set.add(listener);
      listeners.set(event, set);
      return () => set.delete(listener);
    },
  });
  Object.defineProperty(globalThis, '__companionEmit', {
    value: (event, payload) => listeners.get(event)?.forEach((l) => l(payload)),
  });
})();`;

/**
 * Defines `window.companion` in the page with the preload's shape: `invoke` goes through a
 * Playwright binding to the handler table in this (Node) process; `on` subscribes to events
 * the host pushes with `emit`. The page sees exactly what the Electron preload gives it.
 */
export async function installBridge(page: Page, invoke: Invoke): Promise<void> {
  await page.exposeBinding('__companionInvoke', (_source, channel: string, input: unknown) => invoke(channel, input ?? undefined));
  await page.addInitScript({ content: BRIDGE_SCRIPT });
}

/** Main's event sink, pointed at the page (events before the page listens are dropped, as in Electron). */
export function pageEventSink(page: () => Page | null): IpcEventSink & { sent: Array<{ event: IpcEvent; payload: unknown }> } {
  const sent: Array<{ event: IpcEvent; payload: unknown }> = [];
  return {
    sent,
    emit<E extends IpcEvent>(event: E, payload: IpcEventPayload<E>) {
      sent.push({ event, payload });
      const p = page();
      if (!p || p.isClosed()) return;
      void p.evaluate(`globalThis.__companionEmit?.(${JSON.stringify(event)}, ${JSON.stringify(payload)})`).catch(() => undefined);
    },
  };
}
