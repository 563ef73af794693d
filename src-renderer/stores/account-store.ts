import { createStore } from 'zustand/vanilla';
import type { RegisteredMethod } from '../../shared/api/me.js';
import type { CompanionBridge, IpcError, IpcOutput, SessionInfo, StatusView } from '../../shared/ipc/contract.js';
import { call } from './call.js';

type ApprovalList = IpcOutput<'approvals:list'>;

/** Signed-in mode: who is signed in, their status, methods and push requests. */
export interface AccountState {
  session: SessionInfo | null;
  status: StatusView | null;
  methods: RegisteredMethod[] | null;
  approvals: ApprovalList | null;
  error: IpcError | null;
  /**
   * The expired password typed at sign-in, held only until the forced change (R15) uses it
   * as `currentPassword`, so the user does not type it twice. Wiped on success or sign-out.
   */
  expiredPassword: string | null;

  loadSession(): Promise<SessionInfo | null>;
  setSession(session: SessionInfo): void;
  setStatus(status: StatusView): void;
  refresh(): Promise<void>;
  refreshApprovals(): Promise<void>;
  setExpiredPassword(password: string | null): void;
  signOut(): Promise<void>;
}

export type AccountStore = ReturnType<typeof createAccountStore>;

export function createAccountStore(bridge: CompanionBridge) {
  return createStore<AccountState>()((set, get) => ({
    session: null,
    status: null,
    methods: null,
    approvals: null,
    error: null,
    expiredPassword: null,

    async loadSession() {
      const result = await call(bridge, 'auth:session');
      if (!result.ok) return null;
      set({ session: result.value });
      return result.value;
    },

    setSession(session) {
      set({ session });
      if (!session.signedIn) set({ status: null, methods: null, approvals: null });
      // The expired password is kept only while main holds the forced change (R15).
      if (!session.signedIn && !session.passwordChangeRequired) set({ expiredPassword: null });
    },

    setStatus(status) {
      set({ status });
    },

    async refresh() {
      const [status, methods] = await Promise.all([call(bridge, 'me:status'), call(bridge, 'me:methods')]);
      if (status.ok) set({ status: status.value });
      if (methods.ok) set({ methods: methods.value.methods });
      const firstError = !status.ok ? status.error : !methods.ok ? methods.error : null;
      set({ error: firstError });
      await get().refreshApprovals();
    },

    async refreshApprovals() {
      const approvals = await call(bridge, 'approvals:list');
      if (approvals.ok) set({ approvals: approvals.value });
    },

    setExpiredPassword(password) {
      set({ expiredPassword: password });
    },

    async signOut() {
      const result = await call(bridge, 'auth:signOut');
      get().setSession(result.ok ? result.value : { signedIn: false, user: null, offline: false, passwordChangeRequired: false });
    },
  }));
}
