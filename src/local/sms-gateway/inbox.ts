/** What a person running the service locally looks at: the messages the app "sent". */
import type { FastifyInstance } from 'fastify';
import { toResource, type SmsMessage } from './message';
import type { InboundLog, InboundExchange } from './replies';
import type { MessageStore } from './store';
import { escapeHtml } from '../../html';

export async function inbox(app: FastifyInstance, store: MessageStore, replies: InboundLog, canReply: boolean): Promise<void> {
  app.get('/messages', async () => ({ messages: store.list().map(toResource) }));

  app.get('/', async (_req, reply) =>
    reply
      .type('text/html; charset=utf-8')
      // Bodies are app-generated but untrusted here all the same: no script may run on this page.
      .header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
      .send(renderInbox(store.list(), replies.list(), canReply)),
  );
}


/** A phone's reply to the service, and the service's answer: how staff act by SMS, tried by hand. */
function replySection(exchanges: InboundExchange[], canReply: boolean): string {
  if (!canReply) return '<p>Replies: no inbound webhook is configured for this gateway.</p>';
  const rows = exchanges
    .map((e) => {
      const answer = e.answer ?? (e.error ? `(not delivered: ${e.error})` : `(HTTP ${e.status}, no answer)`);
      return `<tr>${[e.at.toISOString(), e.from, e.body, answer].map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`;
    })
    .join('\n');
  return `<h2>Reply from a phone</h2>
<form method="post" action="/_control/inbound">
<label>From <input name="from" placeholder="+84900000101" required></label>
<label>Text <input name="body" placeholder="OK 4821" required></label>
<button>Send reply</button>
</form>
<table>
<thead><tr><th>time (UTC)</th><th>from</th><th>text</th><th>answer</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`;
}

function renderInbox(messages: SmsMessage[], replies: InboundExchange[], canReply: boolean): string {
  const rows = messages
    .map((m) => {
      const status = m.errorCode === null ? m.status : `${m.status} (${m.errorCode})`;
      const cells = [m.dateCreated.toISOString(), m.to, m.body, status, `${m.numSegments} × ${m.encoding}`];
      return `<tr>${cells.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta http-equiv="refresh" content="15">
<title>Đồng Hành: local SMS gateway</title>
<style>body{font-family:sans-serif;margin:2rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left;vertical-align:top}td:nth-child(3){white-space:pre-wrap}</style>
</head>
<body>
<h1>Local SMS gateway</h1>
<p>${messages.length} message(s), newest first. Nothing here leaves this machine; the list lives in memory only.</p>
<table>
<thead><tr><th>time (UTC)</th><th>to</th><th>body</th><th>status</th><th>segments</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
${replySection(replies, canReply)}
</body>
</html>
`;
}
