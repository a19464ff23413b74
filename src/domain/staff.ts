import { z } from 'zod';

/**
 * What a staff member does in their agency; escalation ladders notify by role. The provincial
 * health department, which coordinates the whole journey, also has a coordinator and a manager.
 */
export const StaffRole = z.enum(['caseworker', 'supervisor', 'focal_point', 'coordinator', 'manager']);
export type StaffRole = z.infer<typeof StaffRole>;
