import { z } from 'zod';

/**
 * Why a message did not reach a person, as the transports classify their errors. The wording of
 * each reason (vi, en) lives with the messages in src/notifications/messages.ts.
 */
export const FailureReason = z.enum([
  'no-email',
  'no-phone',
  'sms-not-configured',
  'email-rejected',
  'email-unavailable',
  'sms-invalid-number',
  'sms-unsubscribed',
  'sms-undelivered',
  'sms-failed',
  'sms-refused',
  'sms-unavailable',
]);
export type FailureReason = z.infer<typeof FailureReason>;
