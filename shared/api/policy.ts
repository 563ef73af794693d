import { z } from 'zod';
import { gateOrderProblems } from '../rules/gates.js';
import { BANNED_TERM_MAX_LENGTH, BANNED_TERM_MIN_LENGTH, BANNED_TERMS_MAX } from '../rules/banned-words.js';
import { Locale, METHOD_TYPES, MethodType } from './common.js';

/** R1 / R14: who may use SSPR. */
export const Scope = z.strictObject({
  mode: z.enum(['none', 'selected', 'all']),
  groups: z.array(z.string().min(1).max(256)).max(100),
});

/** R9a–R9c: the security-question part of the policy. */
export const SecurityQuestionsPolicy = z
  .strictObject({
    requiredToRegister: z.number().int().min(3).max(5),
    requiredToReset: z.number().int().min(3).max(5),
    /** R9a: up to 20 custom questions, 3–200 characters each. */
    custom: z.array(z.string().trim().min(3).max(200)).max(20),
  })
  .refine((q) => q.requiredToReset <= q.requiredToRegister, {
    message: 'requiredToReset cannot exceed requiredToRegister (R9c)',
    path: ['requiredToReset'],
  })
  .refine((q) => new Set(q.custom).size === q.custom.length, {
    message: 'custom questions must be distinct',
    path: ['custom'],
  });

export const PasswordPolicy = z.strictObject({
  minLength: z.number().int().min(4).max(128),
  /** 0 means passwords never expire. */
  maxAgeDays: z.number().int().min(0).max(3650),
  historyCount: z.number().int().min(0).max(24),
  /** R16: days before expiry at which the app warns. */
  expiryWarningDays: z.array(z.number().int().min(1).max(365)).max(10),
  /** How many of lower, upper, digit, symbol a password needs (AD complexity is 3). */
  minCharacterClasses: z.number().int().min(1).max(4).default(3),
  /** R34: the organisation's own banned words (its name, products, places), on top of the common list. */
  bannedTerms: z.array(z.string().trim().min(BANNED_TERM_MIN_LENGTH).max(BANNED_TERM_MAX_LENGTH)).max(BANNED_TERMS_MAX).default([]),
});

export const Branding = z.strictObject({
  organizationName: z.string().max(200),
  logoUrl: z.string().url().max(2048).nullable(),
  /** R20: a custom "contact your administrator" email address or URL. */
  contactAdmin: z.string().max(2048).nullable(),
});

/** The daily digest to administrators: yesterday's resets, lockouts, failures and coverage. */
export const AdminDigest = z.strictObject({
  enabled: z.boolean(),
  /** The hour (UTC) the digest covering the previous 24 hours is sent. */
  hourUtc: z.number().int().min(0).max(23),
});

/** R36: expiry reminders by email, at the thresholds of `password.expiryWarningDays`. */
export const ExpiryReminders = z.strictObject({
  enabled: z.boolean(),
});

/** The whole policy document: `GET|PUT /admin/policy`. R25: one policy for everything. */
export const PolicyDocument = z
  .strictObject({
    sspr: z.strictObject({
      scope: Scope,
      methodsRequired: z.union([z.literal(1), z.literal(2)]),
      methods: z.array(MethodType).max(METHOD_TYPES.length),
      /** R35: the methods that may open the first gate; absent or empty means any enabled one. */
      firstGate: z.array(MethodType).max(METHOD_TYPES.length).optional(),
      /** R35: the methods that may open the second gate; absent or empty means any enabled one. */
      secondGate: z.array(MethodType).max(METHOD_TYPES.length).optional(),
      requireRegistrationAtSignIn: z.boolean(),
      reconfirmAfterDays: z.number().int().min(0).max(730),
      notifyUserOnReset: z.boolean(),
      notifyAdminsOnAdminReset: z.boolean(),
      /** R37: a verified reset session may end with "unlock my account" and no new password. Absent means off. */
      unlockOnly: z.boolean().optional(),
      securityQuestions: SecurityQuestionsPolicy,
      /** R27: an ordinary user with no usable method may register first methods with the password alone. */
      firstMethodsWithPassword: z.boolean().default(true),
      /** R39: a Temporary Access Pass may count as one gate of a reset (never as two). */
      accessPassGate: z.boolean().default(false),
    }),
    password: PasswordPolicy,
    branding: Branding,
    /** A daily activity summary emailed to administrators. Absent means off (older documents stay valid). */
    adminDigest: AdminDigest.optional(),
    /** R36: reminder emails before a password expires. Absent means off. */
    expiryReminders: ExpiryReminders.optional(),
  })
  .refine((p) => new Set(p.sspr.methods).size === p.sspr.methods.length, {
    message: 'methods must be distinct',
    path: ['sspr', 'methods'],
  })
  .refine((p) => p.sspr.methods.length >= p.sspr.methodsRequired, {
    message: 'enable at least as many methods as are required',
    path: ['sspr', 'methods'],
  })
  .superRefine((p, ctx) => {
    // R35: refused with every case that would leave a registered user stranded, by name.
    const problems = gateOrderProblems(p.sspr);
    if (problems.length > 0) ctx.addIssue({ code: 'custom', message: problems.join('; '), path: ['sspr', 'firstGate'] });
  });
export type PolicyDocument = z.infer<typeof PolicyDocument>;

/** The seeds' administrator defaults. */
export const DEFAULT_POLICY: PolicyDocument = {
  sspr: {
    scope: { mode: 'all', groups: [] },
    methodsRequired: 1,
    methods: [...METHOD_TYPES],
    requireRegistrationAtSignIn: true,
    reconfirmAfterDays: 180,
    notifyUserOnReset: true,
    notifyAdminsOnAdminReset: true,
    securityQuestions: { requiredToRegister: 3, requiredToReset: 3, custom: [] },
    firstMethodsWithPassword: true,
    accessPassGate: false,
  },
  password: {
    minLength: 8,
    maxAgeDays: 90,
    historyCount: 5,
    expiryWarningDays: [14, 7, 3, 1],
    minCharacterClasses: 3,
    bannedTerms: [],
  },
  branding: { organizationName: '', logoUrl: null, contactAdmin: null },
};

/** R34: the banned words as a client sees them (shared/rules/banned-words.ts says why). */
export const BannedTermDigest = z.object({
  salt: z.string().max(64),
  lengths: z.array(z.number().int().min(1).max(BANNED_TERM_MAX_LENGTH)).max(BANNED_TERM_MAX_LENGTH),
  hashes: z.array(z.string().regex(/^[0-9a-f]{16}$/)).max(BANNED_TERMS_MAX),
});

/** `GET /policy`: what a client needs before anyone signs in. */
export const PublicPolicy = z.object({
  methods: z.array(MethodType),
  methodsRequired: z.number().int(),
  /** R35: absent when any enabled method opens either gate. */
  firstGate: z.array(MethodType).optional(),
  secondGate: z.array(MethodType).optional(),
  /** The banned words themselves stay on the server; `bannedTermDigest` stands for them. */
  password: PasswordPolicy.omit({ bannedTerms: true }),
  bannedTermDigest: BannedTermDigest.optional(),
  securityQuestions: z.object({
    requiredToRegister: z.number().int(),
    requiredToReset: z.number().int(),
  }),
  branding: Branding,
  locales: z.array(Locale),
});
export type PublicPolicy = z.infer<typeof PublicPolicy>;

