/**
 * `/docs`: an interactive page over `/openapi.json`, self-contained (no CDN, works offline and
 * air-gapped). It lists the operations by tag with their parameters, bodies and responses, and
 * can send a request with your key. The key stays in the page's memory, never in storage.
 */
export const DOCS_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

export const DOCS_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Đồng Hành API</title><link rel="stylesheet" href="/docs/docs.css"></head>
<body>
<header><h1>Đồng Hành API</h1><p id="intro"></p>
<label>Authorization: Bearer <input id="key" type="password" autocomplete="off" placeholder="dh_… API key or token" size="60"></label>
<label>Accept-Language <select id="lang"><option value="vi">vi</option><option value="en">en</option></select></label>
<p class="small"><a href="/openapi.json">openapi.json</a></p></header>
<main id="ops"><p>Loading…</p></main>
<script src="/docs/docs.js"></script>
</body></html>`;

export const DOCS_CSS = `body{font-family:system-ui,sans-serif;margin:0;color:#1b1b1b}
header{background:#0f4c75;color:#fff;padding:1rem 2rem}header a{color:#cde}header input,header select{font:inherit}
main{padding:1rem 2rem;max-width:70rem}h2{border-bottom:2px solid #0f4c75;margin-top:2rem}
details{border:1px solid #ccd;border-radius:.4rem;margin:.5rem 0;padding:.3rem .8rem;background:#fafbfd}
summary{cursor:pointer;font-family:ui-monospace,monospace}.m{display:inline-block;width:4.5rem;font-weight:bold}
.get{color:#1a7f37}.post{color:#0b5cad}.put,.patch{color:#9a6700}.delete{color:#b42318}
pre{background:#f1f3f7;padding:.6rem;overflow:auto;max-height:24rem;font-size:.85rem}
textarea{width:100%;min-height:8rem;font-family:ui-monospace,monospace}.small{font-size:.85rem}
table{border-collapse:collapse}td,th{border:1px solid #dde;padding:.2rem .5rem;text-align:left;vertical-align:top}
button{margin:.4rem 0;padding:.3rem 1rem}.status{font-weight:bold}`;

export const DOCS_JS = `'use strict';
(function () {
  var el = function (tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { if (k === 'text') e.textContent = attrs[k]; else e.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) { if (c) e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return e;
  };
  var pretty = function (v) { return JSON.stringify(v, null, 2); };
  function example(s, depth) {
    depth = depth || 0;
    if (!s || depth > 6) return null;
    if (s.examples && s.examples.length) return s.examples[0];
    if (s.default !== undefined) return s.default;
    if (s.enum) return s.enum[0];
    if (s.const !== undefined) return s.const;
    if (s.anyOf) return example(s.anyOf[0], depth + 1);
    if (s.oneOf) return example(s.oneOf[0], depth + 1);
    if (s.allOf) return example(s.allOf[0], depth + 1);
    var type = Array.isArray(s.type) ? s.type[0] : s.type;
    if (type === 'object') {
      var o = {};
      Object.keys(s.properties || {}).forEach(function (k) { if ((s.required || []).indexOf(k) >= 0) o[k] = example(s.properties[k], depth + 1); });
      return o;
    }
    if (type === 'array') return [];
    if (type === 'integer' || type === 'number') return s.minimum || 0;
    if (type === 'boolean') return false;
    if (s.format === 'date') return '2025-01-01';
    if (s.format === 'date-time') return '2025-01-01T00:00:00Z';
    return 'string';
  }
  function operation(path, method, op) {
    var params = op.parameters || [];
    var inputs = {};
    var rows = params.map(function (p) {
      var input = el('input', { size: '30', placeholder: p.schema && p.schema.pattern ? p.schema.pattern : '' });
      inputs[p.in + ':' + p.name] = input;
      return el('tr', {}, [el('td', { text: p.name + (p.required ? ' *' : '') }), el('td', { text: p.in }), el('td', {}, [input]), el('td', { class: 'small', text: p.description || '' })]);
    });
    var content = op.requestBody && op.requestBody.content['application/json'];
    var body = content ? el('textarea', {}, [pretty(example(content.schema))]) : null;
    var out = el('pre', { text: '' });
    var status = el('span', { class: 'status' });
    var send = el('button', { text: 'Send' });
    send.addEventListener('click', function () {
      var url = path.replace(/{([^}]+)}/g, function (_, n) { return encodeURIComponent(inputs['path:' + n].value); });
      var query = params.filter(function (p) { return p.in === 'query' && inputs['query:' + p.name].value; })
        .map(function (p) { return encodeURIComponent(p.name) + '=' + encodeURIComponent(inputs['query:' + p.name].value); });
      if (query.length) url += '?' + query.join('&');
      var headers = { 'accept-language': document.getElementById('lang').value, accept: 'application/json' };
      var key = document.getElementById('key').value.trim();
      if (key) headers.authorization = 'Bearer ' + key;
      params.filter(function (p) { return p.in === 'header' && inputs['header:' + p.name].value; })
        .forEach(function (p) { headers[p.name] = inputs['header:' + p.name].value; });
      if (body) headers['content-type'] = 'application/json';
      status.textContent = '…';
      fetch(url, { method: method.toUpperCase(), headers: headers, body: body ? body.value : undefined })
        .then(function (res) {
          status.textContent = res.status + ' ' + res.statusText;
          return res.text().then(function (t) { try { out.textContent = pretty(JSON.parse(t)); } catch (e) { out.textContent = t; } });
        })
        .catch(function (e) { status.textContent = 'failed'; out.textContent = String(e); });
    });
    var responses = el('table', {}, [el('tr', {}, [el('th', { text: 'status' }), el('th', { text: 'meaning' })])].concat(
      Object.keys(op.responses || {}).map(function (code) { return el('tr', {}, [el('td', { text: code }), el('td', { text: op.responses[code].description || '' })]); })));
    var okSchema = Object.keys(op.responses || {}).filter(function (c) { return c < '300'; }).map(function (c) {
      var r = op.responses[c].content && op.responses[c].content['application/json'];
      return r ? el('details', {}, [el('summary', { text: c + ' response schema' }), el('pre', { text: pretty(r.schema) })]) : null;
    });
    return el('details', {}, [
      el('summary', {}, [el('span', { class: 'm ' + method, text: method.toUpperCase() }), path + '  ', el('span', { class: 'small', text: op.summary || '' })]),
      el('p', { class: 'small', text: op.description || '' }),
      params.length ? el('table', {}, [el('tr', {}, [el('th', { text: 'parameter' }), el('th', { text: 'in' }), el('th', { text: 'value' }), el('th', { text: '' })])].concat(rows)) : null,
      body ? el('div', {}, [el('p', { text: 'Body (application/json)' }), body,
        el('details', {}, [el('summary', { text: 'body schema' }), el('pre', { text: pretty(content.schema) })])]) : null,
      el('div', {}, [send, ' ', status]), out,
      el('p', { text: 'Responses' }), responses,
    ].concat(okSchema));
  }
  fetch('/openapi.json').then(function (r) { return r.json(); }).then(function (doc) {
    document.getElementById('intro').textContent = doc.info.description + ' Version ' + doc.info.version + '.';
    var main = document.getElementById('ops');
    main.textContent = '';
    (doc.tags || []).forEach(function (tag) {
      main.appendChild(el('h2', { text: tag.name }));
      Object.keys(doc.paths).forEach(function (path) {
        Object.keys(doc.paths[path]).forEach(function (method) {
          var op = doc.paths[path][method];
          if ((op.tags || []).indexOf(tag.name) >= 0) main.appendChild(operation(path, method, op));
        });
      });
    });
  }).catch(function (e) { document.getElementById('ops').textContent = 'Could not load /openapi.json: ' + e; });
})();
`;
