import type { Transaction } from 'kysely';
import type { Locale, MethodType, PhoneChannel, ResetMethodType } from '../../shared/api/common.js';
import type { RegisterMethodRequest } from '../../shared/api/me.js';
import type { PolicyDocument } from '../../shared/api/policy.js';
import type { Challenge, VerifyChallengeRequest } from '../../shared/api/reset.js';
import type { DirectoryUser } from '../directory/directory.js';
import type { Database } from '../store/schema.js';
import type { ThrottleKind } from '../throttle/rules.js';
import type { MethodData, MethodRecord } from '../store/method-store.js';

/** A method being used in a reset: its stored id (`dir-*` for directory contact data) and data. */
export interface ResetTarget<T extends MethodType = MethodType> {
  ref: string;
  type: T;
  hint: string;
  data: MethodData[T];
}

export interface StartInput {
  policy: PolicyDocument;
  challengeId: string;
  type: ResetMethodType;
  /** null in a decoy session (R13b): answer exactly alike, send nothing. */
  target: ResetTarget | null;
  /** The subject the reset is for, or the decoy's throttle key. */
  subjectKey: string;
  /** Stable per decoy name (HMAC of the name); random for real sessions. */
  decoySeed: Buffer;
  channel: PhoneChannel | undefined;
  locale: Locale;
  client: string;
  now: Date;
  expiresAt: Date;
}

export interface ChallengeStart {
  codeHash: string | null;
  /** Kept with the challenge (drawn question ids, channel, number). */
  data: Record<string, unknown>;
  reply: Pick<Challenge, 'questions' | 'numberMatch'>;
  /** Counters this start consumes (R11b texts, R11c emails, app verifications). */
  counts: ThrottleKind[];
  /** Inside the challenge's transaction (push: the approval row). */
  persist?: (trx: Transaction<Database>) => Promise<void>;
  /** After commit, never awaited on the request path (R12, R13b timing): hand over the code. */
  deliver: (() => Promise<void>) | null;
}

export interface CheckInput {
  challenge: { id: string; codeHash: string | null; data: Record<string, unknown> };
  target: ResetTarget | null;
  subjectKey: string;
  decoySeed: Buffer;
  input: VerifyChallengeRequest;
  now: Date;
}

export interface RegisterInput<T extends RegisterMethodRequest['type'] = RegisterMethodRequest['type']> {
  policy: PolicyDocument;
  user: DirectoryUser;
  body: Extract<RegisterMethodRequest, { type: T }>;
  locale: Locale;
}

export interface RegisterPlan<T extends MethodType = MethodType> {
  type: T;
  hint: string;
  data: MethodData[T];
  /** Usable at once (questions, push) or only after proof. */
  verified: boolean;
  /** Remove the user's earlier methods of this type in the same transaction (questions). */
  replacesAtOnce: boolean;
  /** Email / phone: sends the proof code (after commit, not awaited). */
  sendCode: ((code: string) => Promise<void>) | null;
  sendCounts: ThrottleKind[];
  /** Shown once, never again (R7): the TOTP secret. */
  reveal?: { secret: string; otpauthUri: string };
}

/**
 * One module per method type behind this interface: how a reset challenge starts and is
 * checked, and how the method is registered and proven.
 */
export interface MethodKind {
  /** What the user answers a reset challenge with. */
  answeredWith: 'code' | 'answers' | 'companion';
  /** Counters one verification attempt consumes besides the failure it may become (R11b). */
  verifyCounts: ThrottleKind[];
  /** Throws `invalid_request` when an answer does not fit the challenge (questions: exactly those asked). */
  validateAnswer?(challengeData: Record<string, unknown>, input: VerifyChallengeRequest): void;
  /** Throws `invalid_request` for options the type does not take (office phones are voice only). */
  validateStart(type: MethodType, channel: PhoneChannel | undefined): void;
  start(input: StartInput): Promise<ChallengeStart>;
  /** A decoy (`target` null) always fails, after the same work. */
  check(input: CheckInput): Promise<boolean>;
  register(input: RegisterInput): Promise<RegisterPlan>;
  /**
   * How a registered method is proven: by a code sent to it (a stored challenge), by a code
   * computed from it (TOTP, checked by `proveWithCode`), or not at all.
   */
  proof: 'sentCode' | 'ownCode' | 'none';
  proveWithCode?(method: MethodRecord, code: string): Promise<boolean>;
}

/** The method modules by type, built once by the composition root: the flows reach every type through it. */
export type MethodKinds = Readonly<Record<MethodType, MethodKind>>;

/** What a reset gate needs of a way through it: a method kind's challenge half, or the access pass (R39). */
export interface ChallengeKind extends Pick<MethodKind, 'answeredWith' | 'verifyCounts' | 'validateAnswer' | 'start' | 'check'> {
  validateStart(type: ResetMethodType, channel: PhoneChannel | undefined): void;
}
export type ChallengeKinds = Readonly<Record<ResetMethodType, ChallengeKind>>;
