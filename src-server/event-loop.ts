/**
 * Resolves on the event loop's next turn (`setImmediate`): everything already started — a
 * request written, other requests' callbacks, every queued microtask — has run by then.
 */
export function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}
