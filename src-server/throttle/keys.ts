/** The keys throttling counts under (R11): one per real user's reset, one per user's registration. */
export const resetThrottleKey = (subjectId: string): string => `subject:${subjectId}`;
/** Registration sends and wrong proof codes are throttled apart from reset (same limits). */
export const registrationThrottleKey = (subjectId: string): string => `registration:${subjectId}`;
/**
 * R30: the administrator console sign-in counts apart from the public reset, so strangers
 * failing reset codes in an administrator's name cannot lock the console (it starts from the
 * administrator's own password, which strangers lack).
 */
export const adminSignInThrottleKey = (subjectId: string): string => `admin-signin:${subjectId}`;
/** Every key of a user: what an administrator's unlock and an account deletion clear. */
export const userThrottleKeys = (subjectId: string): string[] => [resetThrottleKey(subjectId), registrationThrottleKey(subjectId), adminSignInThrottleKey(subjectId)];
