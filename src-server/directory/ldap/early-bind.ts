import type { Client, Control } from 'ldapts';
import { seenAccountOf, type SeenAccount } from '../directory.js';
import type { ClientPool } from './connection.js';
import { normalizeDn } from './values.js';

/** What a change does on the connection its bind went out on, given the bind's error (null when it succeeded) and the control it carried. */
export type BoundWork<T> = (client: Client, bindError: unknown, control: Control | undefined) => Promise<T>;

/** Binds `client` as `dn`, then runs `work` with the bind's error (not thrown) and its control. */
export async function bindThen<T>(client: Client, dn: string, password: string, control: Control | undefined, work: (bindError: unknown) => Promise<T> | T): Promise<T> {
  let bindError: unknown = null;
  try {
    await client.bind(dn, password, control);
  } catch (error) {
    bindError = error;
  }
  return work(bindError);
}

/**
 * A change's bind as the user, sent with the change's look-up instead of after it (issue 12:
 * the two round trips overlap). It goes to the DN the user's entry was last seen at; the
 * change uses it only when the look-up finds the entry still there, and otherwise drops it
 * and binds afresh. The connection is held from the bind to the write, and given back by
 * `claim`'s work or by `drop`, whichever comes first.
 */
export class EarlyBind {
  private readonly dn: string;
  private hand!: (work: BoundWork<unknown>) => void;
  private readonly done: Promise<unknown>;
  private taken = false;

  constructor(pool: ClientPool, dn: string, private readonly password: string, control: Control | undefined) {
    this.dn = normalizeDn(dn);
    const work = new Promise<BoundWork<unknown>>((resolve) => (this.hand = resolve));
    this.done = pool.use((client) => bindThen(client, dn, password, control, async (bindError) => (await work)(client, bindError, control)));
    // Dropped unused, nobody awaits it.
    this.done.catch(() => {});
  }

  /** The rest of the change on this bind's connection, once, for the entry at `dn` with `password`; null when it does not fit. */
  claim<T>(dn: string, password: string, work: BoundWork<T>): Promise<T> | null {
    if (this.taken || normalizeDn(dn) !== this.dn || password !== this.password) return null;
    this.taken = true;
    this.hand(work as BoundWork<unknown>);
    return this.done as Promise<T>;
  }

  /** Gives the connection back unused (a no-op once claimed). */
  drop(): void {
    if (this.taken) return;
    this.taken = true;
    this.hand(async () => undefined);
  }
}

/** How long an entry's place is trusted for an early bind: an access token's life. */
const SEEN_MS = 15 * 60_000;
const SEEN_MAX = 10_000;

/**
 * Where each user's entry was last read, with what a change needs of it (`SeenAccount`: the
 * names the product's password policy reads, the notices' addresses, the password's last
 * change), so a change can check its policy, send its bind and record its intent before its
 * own look-up answers. Only a hint: every decision is taken on the entry read in the request
 * itself. Bounded; the oldest sighting goes first.
 */
export class LastSeen {
  private readonly byId = new Map<string, { dn: string; account: SeenAccount; at: number }>();

  constructor(private readonly now: () => number = () => performance.now()) {}

  saw(dn: string, account: SeenAccount): void {
    this.byId.delete(account.id);
    if (this.byId.size >= SEEN_MAX) this.byId.delete(this.byId.keys().next().value!);
    this.byId.set(account.id, { dn, account: seenAccountOf(account), at: this.now() });
  }

  get(id: string): { dn: string; account: SeenAccount } | null {
    const seen = this.byId.get(id);
    if (!seen) return null;
    if (this.now() - seen.at > SEEN_MS) {
      this.byId.delete(id);
      return null;
    }
    return { dn: seen.dn, account: seen.account };
  }

  forget(id: string): void {
    this.byId.delete(id);
  }
}
