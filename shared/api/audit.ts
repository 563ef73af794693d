import { z } from 'zod';
import { IsoDateTime } from './common.js';

/** R17a: every event the server records. Reports filter on these names. */
export const AUDIT_EVENT_TYPES = [
  // reset flow (activity report)
  'reset.started',
  'reset.challenge',
  'reset.verify',
  'reset.lockout',
  'reset.password',
  'reset.unlock',
  'reset.cancelled',
  // signed-in user (activity report)
  'auth.signin',
  'password.change',
  // registration report
  'registration.add',
  'registration.verify',
  'registration.remove',
  'registration.confirm',
  'registration.stepup',
  // administration (admin audit)
  'admin.policy',
  'admin.user',
  'admin.group',
  'admin.methods',
  'admin.signin',
  'admin.accesspass',
  'admin.apitoken',
  // notices about changes to an account (activity report)
  'notice.sent',
] as const;
export const AuditEventType = z.enum(AUDIT_EVENT_TYPES);
export type AuditEventType = z.infer<typeof AuditEventType>;

export const AUDIT_RESULTS = ['success', 'failure', 'denied', 'locked'] as const;
export const AuditResult = z.enum(AUDIT_RESULTS);

export const AuditEvent = z.object({
  id: z.string(),
  time: IsoDateTime,
  type: AuditEventType,
  /** The user the event is about (may be an unknown name for decoy sessions). */
  user: z.string().nullable(),
  /** Who acted, when not the user: an administrator's name or `bootstrap`. */
  actor: z.string().nullable(),
  method: z.string().nullable(),
  result: AuditResult,
  /** App instance id and/or IP. */
  client: z.string().nullable(),
  /** Reason codes and before/after for admin changes; never secrets. */
  detail: z.record(z.string(), z.unknown()).nullable(),
});
export type AuditEvent = z.infer<typeof AuditEvent>;

export const ReportQuery = z.strictObject({
  from: IsoDateTime.optional(),
  to: IsoDateTime.optional(),
  user: z.string().max(256).optional(),
  type: z.string().max(64).optional(),
  method: z.string().max(64).optional(),
  result: AuditResult.optional(),
  client: z.string().max(256).optional(),
  cursor: z.string().max(256).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  sort: z.enum(['asc', 'desc']).default('desc'),
  format: z.enum(['json', 'csv']).default('json'),
});
export type ReportQuery = z.infer<typeof ReportQuery>;
export const ReportPage = z.object({ events: z.array(AuditEvent), nextCursor: z.string().nullable() });
export type ReportPage = z.infer<typeof ReportPage>;

/** `GET /admin/reports/summary`: figures for the console's dashboard. */
export const ReportSummaryQuery = z.strictObject({
  from: IsoDateTime.optional(),
  to: IsoDateTime.optional(),
  /** Days are counted in this offset from UTC (the viewer's time zone); default UTC. */
  tzOffsetMinutes: z.coerce.number().int().min(-840).max(840).default(0),
});
export type ReportSummaryQuery = z.infer<typeof ReportSummaryQuery>;

const Count = z.number().int().min(0);
export const ReportSummary = z.object({
  from: IsoDateTime,
  to: IsoDateTime,
  /** One entry per day of the range (`YYYY-MM-DD` in the requested offset), zeros included. */
  resetsPerDay: z.array(z.object({ day: z.string(), started: Count, succeeded: Count, lockouts: Count })),
  resets: z.object({ started: Count, succeeded: Count, successRate: z.number().min(0).max(1).nullable() }),
  /** Identity verifications during resets, by method. */
  methods: z.array(z.object({ method: z.string(), verifications: Count, succeeded: Count })),
  lockouts: Count,
  /** R4 coverage of in-scope, enabled users; `null` when the directory cannot list its users. */
  registration: z.object({ inScope: Count, registered: Count, coverage: z.number().min(0).max(1).nullable() }).nullable(),
  topFailureReasons: z.array(z.object({ type: z.string(), reason: z.string(), count: Count })),
});
export type ReportSummary = z.infer<typeof ReportSummary>;
