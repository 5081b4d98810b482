/**
 * The small pages a person sees when an SSO login does not end in the console: a clear
 * sentence with the reason, a way back (the local sign-in form, never the IdP again, so a
 * seamless provider cannot loop), and never a stack trace.
 */
import type { FastifyReply } from 'fastify';

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function ssoMessagePage(
  reply: FastifyReply,
  status: number,
  title: string,
  sentence: string,
  detail?: string,
): FastifyReply {
  const body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · Gatehouse</title>
<style>body{font-family:system-ui,sans-serif;background:#f5f6f8;color:#1f2328;margin:0}
main{max-width:34rem;margin:12vh auto;background:#fff;border:1px solid #d8dde3;border-radius:8px;padding:2rem}
h1{font-size:1.3rem;margin:0 0 1rem}p{line-height:1.5}.detail{color:#57606a;font-size:.9rem}
a{color:#0b5cad}</style></head>
<body><main role="main"><h1>${esc(title)}</h1><p data-testid="sso-message">${esc(sentence)}</p>
${detail && detail !== sentence ? `<p class="detail" data-testid="sso-reason">${esc(detail)}</p>` : ''}
<p><a href="/login?no_auto=1">Back to sign-in</a></p></main></body></html>`;
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(body);
}
