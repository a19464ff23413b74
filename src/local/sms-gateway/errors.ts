/** Twilio's REST error body, so the real client raises a RestException with the same code and status. */
export interface TwilioErrorBody {
  code: number;
  message: string;
  more_info: string;
  status: number;
}

export class TwilioApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  get body(): TwilioErrorBody {
    return { code: this.code, message: this.message, more_info: `https://www.twilio.com/docs/errors/${this.code}`, status: this.status };
  }
}

export const apiErrors = {
  authenticate: () => new TwilioApiError(401, 20003, 'Authenticate'),
  notFound: (path: string) => new TwilioApiError(404, 20404, `The requested resource ${path} was not found`),
  tooManyRequests: (retryAfterSeconds: number) =>
    new TwilioApiError(429, 20429, 'Too Many Requests', { 'Retry-After': String(retryAfterSeconds) }),
  internal: () => new TwilioApiError(500, 20500, 'Internal Server Error'),
  unavailable: () => new TwilioApiError(503, 20503, 'Service Unavailable'),
  missingTo: () => new TwilioApiError(400, 21604, "A 'To' phone number is required."),
  invalidTo: (to: string) => new TwilioApiError(400, 21211, `Invalid 'To' Phone Number: ${to}`),
  missingFrom: () => new TwilioApiError(400, 21603, "A 'From' phone number is required."),
  invalidFrom: (from: string) => new TwilioApiError(400, 21212, `Invalid From Number (caller ID): ${from}`),
  missingBody: () => new TwilioApiError(400, 21602, 'Message body is required.'),
  bodyTooLong: () => new TwilioApiError(400, 21617, 'The concatenated message body exceeds the 1600 character limit.'),
  invalidStatusCallback: () => new TwilioApiError(400, 21609, "Invalid 'StatusCallback'"),
  unsubscribed: () => new TwilioApiError(400, 21610, 'Attempt to send to unsubscribed recipient'),
};
