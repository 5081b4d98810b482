/** The SAML gate over the SSO service (app.sso) and the SSO gate's finishLogin. */
import type { App } from '../../../app.ts';
import { finishLogin } from '../finish.ts';
import type { SamlGateDeps } from './routes.ts';

export function samlDeps(app: App): SamlGateDeps {
  return {
    findProvider: (id) => app.sso.providers.find(id),
    startLogin: (providerId, returnTo, data) =>
      app.sso.startLogin(providerId, returnTo, { ...data, kind: 'saml' }),
    takeLogin: (id, browser) => app.sso.takeLogin(id, browser),
    complete: (login, ctx, provider) => app.sso.complete(login, ctx, provider),
    refused: (providerId, refusal, ctx) => app.sso.recordRefusal(providerId, refusal, ctx),
    finish: (req, reply, outcome, returnTo, providerId) =>
      finishLogin(app, req, reply, outcome, returnTo, providerId),
  };
}
