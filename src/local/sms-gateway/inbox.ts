/** What a person running the service locally looks at: the messages the app "sent". */
import type { FastifyInstance } from 'fastify';
import { toResource, type SmsMessage } from './message';
import type { MessageStore } from './store';
import { escapeHtml } from '../../html';

export async function inbox(app: FastifyInstance, store: MessageStore): Promise<void> {
  app.get('/messages', async () => ({ messages: store.list().map(toResource) }));

  app.get('/', async (_req, reply) =>
    reply
      .type('text/html; charset=utf-8')
      // Bodies are app-generated but untrusted here all the same: no script may run on this page.
      .header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'")
      .send(renderInbox(store.list())),
  );
}


function renderInbox(messages: SmsMessage[]): string {
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
<meta http-equiv="refresh" content="5">
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
</body>
</html>
`;
}
