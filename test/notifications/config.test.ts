/** Notification settings from the environment: safe local defaults, and real Twilio only with credentials. */
import { ConfigError, LOCAL_SMS_ACCOUNT_SID, parseConfig } from '../../src/config';

test('with nothing set: the local SMS gateway on 127.0.0.1:3025, quiet 21:00–07:00 Vietnam time, digest at 07:30', () => {
  const n = parseConfig({}).notifications;
  expect(n.sms).toMatchObject({ embedded: true, baseUrl: 'http://127.0.0.1:3025', gatewayPort: 3025, accountSid: LOCAL_SMS_ACCOUNT_SID, maxSegments: 2 });
  expect(n.quietHours).toEqual({ start: '21:00', end: '07:00', timeZone: 'Asia/Ho_Chi_Minh' });
  expect(n.digest).toEqual({ at: '07:30', timeZone: 'Asia/Ho_Chi_Minh' });
  expect(n.smtpTls).toEqual({ requireTLS: false, rejectUnauthorized: true });
});

test('a Twilio base URL needs the account SID and token; quiet hours and the digest can be turned off', () => {
  expect(() => parseConfig({ TWILIO_BASE_URL: 'https://api.twilio.com' })).toThrow(ConfigError);
  const sid = `AC${'a'.repeat(32)}`;
  const n = parseConfig({ TWILIO_BASE_URL: 'https://api.twilio.com', TWILIO_ACCOUNT_SID: sid, TWILIO_AUTH_TOKEN: 't', TWILIO_FROM: '+84900000999', QUIET_HOURS: 'off', DIGEST_AT: 'off' }).notifications;
  expect(n.sms).toMatchObject({ embedded: false, baseUrl: 'https://api.twilio.com', accountSid: sid, authToken: 't', from: '+84900000999' });
  expect(n.quietHours).toBeUndefined();
  expect(n.digest).toBeUndefined();
  expect(() => parseConfig({ QUIET_HOURS: '9pm-7am' })).toThrow(/QUIET_HOURS/);
  expect(() => parseConfig({ QUIET_HOURS: '21:00-25:00' })).toThrow(/QUIET_HOURS/);
});
