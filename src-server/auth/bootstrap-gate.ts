import type { Directory } from '../directory/directory.js';
import type { MethodStore } from '../store/method-store.js';
import { usableMethods } from '../methods/registration-status.js';
import type { PolicyStore } from '../store/policy-store.js';

/** Loopback addresses, IPv4, IPv6 and IPv4-mapped IPv6. */
export function isLoopback(ip: string): boolean {
  return ip === '::1' || /^127\./.test(ip) || /^::ffff:127\./.test(ip);
}

/**
 * R33: the bootstrap token sets a fresh installation up, and only that: it is good while no
 * administrator holds two registered methods of different types (security questions do not
 * count, R10). Once one does, administration goes through the two-method sign-in.
 */
export class BootstrapGate {
  constructor(private readonly deps: { directory: Directory; methodStore: MethodStore; policyStore: PolicyStore }) {}

  async open(): Promise<boolean> {
    const { directory, methodStore, policyStore } = this.deps;
    const policy = await policyStore.get();
    for (const admin of await directory.listAdmins()) {
      const types = new Set(usableMethods(admin, await methodStore.list(admin.id), policy).map((m) => m.type));
      if (types.size >= 2) return false;
    }
    return true;
  }
}
