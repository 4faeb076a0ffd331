//! A fake of Meta's Graph API for the Cloud API tests: the number check
//! (`GET /v21.0/<number id>?fields=…`), the messages endpoint (`POST /v21.0/<number id>/messages`)
//! and the account's message templates (`GET /v21.0/<waba id>/message_templates`, one page),
//! all wanting one of the accepted bearer tokens; anything else is Graph's "unsupported" error.
//! Every request is recorded (`requests`: method, path, authorization, parsed body).
//!
//!   const graph = await startGraphFake({ token: 'EAAG-1', numberId: '106540352242922' });
//!   ... graph.graphUrl is what a connection's graph_url points at ...
//!   graph.addTemplate({ name: 'order_ready', language: 'pt_BR', status: 'APPROVED', body: 'Olá {{1}}!' });
//!   graph.revoke();          // every token now answers Meta's code 190
//!   graph.accept('EAAG-2');  // a new token works
//!   await graph.close();
import { createServer } from 'node:http';

export async function startGraphFake({ token, numberId, verifiedName = 'Loja Teste', displayPhone = '+55 11 99999-0000', quality = 'GREEN' }) {
  const tokens = new Set([token]);
  const requests = [];
  /** The account's templates, as Meta lists them (`components` with a `BODY` text). */
  const templates = [];
  let seq = 0;

  const answer = (res, status, body) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  const server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://graph.local');
      let body;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        body = raw;
      }
      const authorization = req.headers.authorization ?? '';
      requests.push({ method: req.method, path: url.pathname, query: Object.fromEntries(url.searchParams), authorization, body });

      if (!tokens.has(authorization.replace(/^Bearer /, ''))) {
        return answer(res, 401, {
          error: {
            message: 'Error validating access token: The session has been invalidated because the user changed their password.',
            type: 'OAuthException',
            code: 190,
            error_subcode: 460,
            fbtrace_id: 'AbCdEf123',
          },
        });
      }
      if (req.method === 'GET' && url.pathname === `/v21.0/${numberId}`) {
        return answer(res, 200, { verified_name: verifiedName, display_phone_number: displayPhone, quality_rating: quality, id: numberId });
      }
      if (req.method === 'GET' && /^\/v21\.0\/[^/]+\/message_templates$/.test(url.pathname)) {
        return answer(res, 200, { data: templates, paging: { cursors: { before: '0', after: String(templates.length) } } });
      }
      if (req.method === 'POST' && url.pathname === `/v21.0/${numberId}/messages`) {
        if (body?.type) {
          const id = `wamid.out${++seq}`;
          return answer(res, 200, { messaging_product: 'whatsapp', contacts: [{ input: body.to, wa_id: body.to }], messages: [{ id }] });
        }
        return answer(res, 200, { success: true });
      }
      answer(res, 400, { error: { message: `Unsupported ${req.method} request.`, type: 'GraphMethodException', code: 100 } });
    });
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const base = `http://127.0.0.1:${server.address().port}`;

  return {
    base,
    graphUrl: `${base}/v21.0`,
    requests,
    /** The messages sent (a `type` in the body), in order. */
    sent: () => requests.filter((r) => r.method === 'POST' && r.path.endsWith('/messages') && r.body?.type).map((r) => ({ ...r.body, authorization: r.authorization })),
    /**
     * Adds a template to the account: its body text (with `{{1}}`…), and any other components
     * as Meta lists them (e.g. a `HEADER` with a variable, which the platform cannot fill).
     */
    addTemplate: ({ name, language, status = 'APPROVED', category = 'UTILITY', body, components = [] }) =>
      templates.push({ id: String(1_000_000 + templates.length), name, language, status, category, components: [...components, { type: 'BODY', text: body }] }),
    revoke: () => tokens.clear(),
    accept: (t) => tokens.add(t),
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections?.();
        server.close(() => ok());
      }),
  };
}
