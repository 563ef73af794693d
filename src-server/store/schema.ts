import type { Generated } from 'kysely';

/**
 * The store's tables. Times are epoch milliseconds (BIGINT), booleans 0/1, JSON as text:
 * the same on SQLite and PostgreSQL.
 */
export interface Database {
  /** Requests per rate-limit key and minute window (see throttle/rate-limit-rules.ts). */
  rate_limit_windows: { limit_key: string; window_start: number; hits: number };
  /** Proofs-of-work already used, kept until they would have expired anyway. */
  spent_proofs: { proof_id: string; expires_at: number };
  settings: { key: string; value: string; updated_at: number };
  users: {
    id: string;
    username: string;
    /** Case-folded user name: the unique lookup key. */
    username_key: string;
    display_name: string;
    email: string | null;
    is_admin: number;
    disabled: number;
    password_hash: string;
    password_changed_at: number | null;
    must_change: number;
    never_expires: number;
    failed_signins: number;
    locked_at: number | null;
    /** The last wrong password (epoch ms): shown after a reset, for devices still holding the old one. */
    last_failed_signin_at: number | null;
    created_at: number;
  };
  password_history: { id: Generated<number>; user_id: string; password_hash: string; created_at: number };
  groups: { name_key: string; name: string; description: string };
  group_members: { group_key: string; user_id: string };
  /** Registered methods, keyed by the directory's stable id (subject). */
  methods: {
    id: string;
    subject_id: string;
    type: string;
    source: string;
    verified: number;
    hint: string;
    /** AES-GCM encrypted JSON: addresses, numbers, TOTP secrets, answer hashes, push keys. */
    data: string;
    created_at: number;
    verified_at: number | null;
    /** TOTP: the last accepted time step (one use per step). */
    last_used_step: number | null;
  };
  /** R6: when the user last confirmed their methods. */
  registrations: { subject_id: string; confirmed_at: number | null; updated_at: number };
  reset_sessions: {
    id: string;
    token_hash: string;
    subject_id: string | null;
    /** What throttling counts against: the subject, or `decoy:<name>` for unknown users. */
    throttle_key: string;
    username: string;
    decoy: number;
    state: string;
    required_methods: number;
    gates_passed: number;
    passed_method_ids: string;
    /** Methods offered, JSON (decoys' are generated once and kept stable). */
    offered: string;
    client: string | null;
    created_at: number;
    expires_at: number;
    completed_at: number | null;
    /** While `setting`: when the claim lapses (a crash must not hold the session). */
    claim_until: number | null;
  };
  /**
   * The durable outbox (R22 notices): written in the reset's transaction, sent after commit,
   * claimed by one instance at a time, retried with backoff until `expires_at`.
   */
  notices: {
    id: string;
    kind: string;
    /** JSON, sealed: who is told what. */
    payload: string;
    created_at: number;
    next_attempt_at: number;
    attempts: number;
    claimed_by: string | null;
    claimed_until: number | null;
    expires_at: number;
  };
  /** A password write to an external directory whose outcome is not yet known (reconciled). */
  password_intents: {
    session_id: string;
    user_id: string;
    /** JSON: what the completion needs (client, locale, unlock). */
    detail: string;
    created_at: number;
    expires_at: number;
  };
  /** A signed-in change or an administrator's reset on an external directory, not yet known to have landed. */
  password_write_intents: {
    id: string;
    user_id: string;
    /** Sealed JSON: the completion (audit event, notices, revocation). */
    detail: string;
    created_at: number;
    settle_after: number;
  };
  /**
   * Reset sessions started by the administrator sign-in: they verify like a reset, end in an
   * admin token, and never set a password. A table of its own keeps reset_sessions' shape.
   */
  admin_sign_in_sessions: {
    session_id: string;
    created_at: number;
  };
  /** Reset sessions a signed-in user started to prove a method before changing methods (R26). */
  step_up_sessions: { session_id: string; subject_id: string; sign_in_id: string; created_at: number };
  /** The latest step-up proof of one sign-in (a refresh-token family), R26. */
  step_ups: { sign_in_id: string; subject_id: string; proven_at: number; how: string };
  /** Temporary Access Passes, stored only as their hash (R31). */
  access_passes: {
    id: string;
    subject_id: string;
    pass_hash: string;
    one_time: number;
    issued_by: string;
    created_at: number;
    expires_at: number;
    used_at: number | null;
  };
  /** R38: API tokens; `id` is the token's public lookup part, `token_hash` the SHA-256 of the whole token. */
  api_tokens: {
    id: string;
    name: string;
    token_hash: string;
    /** Space-separated scopes. */
    scopes: string;
    created_by: string;
    created_at: number;
    expires_at: number;
    last_used_at: number | null;
    revoked_at: number | null;
  };
  /** R36: one row per expiry reminder sent (claimed before sending, so instances send once). */
  expiry_reminders: {
    subject_id: string;
    expires_at: number;
    threshold: number;
    claimed_at: number;
  };
  challenges: {
    id: string;
    session_id: string;
    method_id: string;
    type: string;
    code_hash: string | null;
    data: string;
    status: string;
    created_at: number;
    expires_at: number;
    used_at: number | null;
  };
  /** One row per counted attempt (R11a–R11c); counted inside the database. */
  throttle_events: { id: Generated<number>; throttle_key: string; kind: string; at: number };
  throttle_locks: { throttle_key: string; kind: string; locked_until: number; reason: string };
  refresh_tokens: {
    id: string;
    subject_id: string;
    token_hash: string;
    family: string;
    client: string | null;
    created_at: number;
    expires_at: number;
    revoked_at: number | null;
  };
  /** Bumped on every password reset or change: older access tokens stop working. */
  token_versions: { subject_id: string; version: number };
  approvals: {
    id: string;
    subject_id: string;
    challenge_id: string;
    number: number;
    status: string;
    client: string;
    created_at: number;
    expires_at: number;
    decided_at: number | null;
  };
  audit_events: {
    id: Generated<number>;
    at: number;
    type: string;
    category: string;
    username: string | null;
    actor: string | null;
    method: string | null;
    result: string;
    client: string | null;
    detail: string | null;
  };
}
