import { z } from 'zod';

/**
 * What a staff member does in their agency; escalation ladders notify by role. The provincial
 * health department, which coordinates the whole journey, also has a coordinator and a manager.
 */
export const StaffRole = z.enum(['caseworker', 'supervisor', 'focal_point', 'coordinator', 'manager']);
export type StaffRole = z.infer<typeof StaffRole>;

/** How a person wants to be reached; null in the directory means "as each ladder step says". */
export const PreferredChannel = z.enum(['email', 'sms', 'both']);
export type PreferredChannel = z.infer<typeof PreferredChannel>;

/** Why someone is away: a code, never free text, so nothing about a case or a person can slip in. */
export const AbsenceReason = z.enum(['leave', 'sick_leave', 'training', 'mission', 'other']);
export type AbsenceReason = z.infer<typeof AbsenceReason>;

export const StaffLanguage = z.enum(['vi', 'en']);
