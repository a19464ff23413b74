/** Posting one signed status callback, as Twilio does: a form post with X-Twilio-Signature. */
import { setTimeout as sleep } from 'node:timers/promises';
import twilio from 'twilio';

export interface CallbackPostOptions {
  authToken: string;
  timeoutMs: number;
  /** Extra attempts after a network error; an HTTP response of any status counts as delivered. */
  retries: number;
  retryDelayMs: number;
  signal: AbortSignal;
}

export interface CallbackPostResult {
  attempts: number;
  responseStatus?: number;
  error?: string;
}

/** Twilio's own algorithm (HMAC-SHA1 over the URL plus sorted name+value pairs, key = auth token). */
export const signCallback = (authToken: string, url: string, params: Record<string, string>) =>
  twilio.getExpectedTwilioSignature(authToken, url, params);

export async function postStatusCallback(
  url: string,
  params: Record<string, string>,
  opts: CallbackPostOptions,
): Promise<CallbackPostResult> {
  const headers = {
    'content-type': 'application/x-www-form-urlencoded',
    'user-agent': 'TwilioProxy/1.1',
    [twilio.SIGNATURE_HEADER]: signCallback(opts.authToken, url, params),
  };
  const body = new URLSearchParams(params).toString();
  let error = '';
  for (let attempt = 1; attempt <= opts.retries + 1; attempt++) {
    if (attempt > 1) await sleep(opts.retryDelayMs * 2 ** (attempt - 2), undefined, { signal: opts.signal });
    try {
      const signal = AbortSignal.any([opts.signal, AbortSignal.timeout(opts.timeoutMs)]);
      const response = await fetch(url, { method: 'POST', headers, body, signal });
      await response.body?.cancel(); // Twilio ignores the reply; free the socket.
      return { attempts: attempt, responseStatus: response.status };
    } catch (err) {
      if (opts.signal.aborted) throw err;
      error = describe(err);
    }
  }
  return { attempts: opts.retries + 1, error };
}

// fetch hides the socket error (ECONNREFUSED...) in `cause`. Duck-typed: errors may come from another realm.
function describe(err: unknown): string {
  const text = (e: unknown) => (typeof e === 'object' && e !== null && 'message' in e ? String(e.message) : String(e));
  const cause = typeof err === 'object' && err !== null && 'cause' in err ? err.cause : undefined;
  return cause === undefined ? text(err) : `${text(err)}: ${text(cause)}`;
}
