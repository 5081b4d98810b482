/**
 * The built server (dist/main.js, as `npm start` runs it) checks SAML responses in its
 * worker threads (dist/saml-verify-worker.js, src/gates/sso/saml/verify-pool.ts): a real
 * SimpleSAMLphp login signs in, a response altered after signing is refused with its reason
 * audited, and a burst of logins from many browsers at once is answered in full. The other
 * SAML tests run the server from its TypeScript source, whose workers load the source.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createApp, type App } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { SESSION_COOKIE } from '../../src/gates/api/authenticate.ts';
import { cliEnv } from '../cli/harness.ts';
import { freshDatabase, type FreshDatabase } from '../helpers/engine.ts';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.ts';
import {
  connectSaml,
  samlB64,
  samlXml,
  simpleSamlPhp,
  type SamlConnection,
  type SimpleSamlPhp,
} from '../helpers/simplesamlphp.ts';

const SETTINGS = { GATEHOUSE_SECRET_KEY: '5d'.repeat(32), GATEHOUSE_SSO_RATE_PER_MINUTE: '10000' };

let idp: SimpleSamlPhp;
let db: FreshDatabase;
let app: App;
let server: ServerProcess;
let saml: SamlConnection;

before(async () => {
  idp = await simpleSamlPhp();
  db = await freshDatabase();
  // This process writes the provider into the database the server process reads.
  app = await createApp(loadConfig({ ...cliEnv(db.env), ...SETTINGS, LOG_LEVEL: 'silent' }));
  server = await startServerProcess(db.env, SETTINGS);
  saml = await connectSaml({ url: server.url, app }, idp);
});
after(async () => {
  await server?.stop();
  await app?.close();
  await db?.drop();
});

function sessionCookie(res: Response): string | undefined {
  return res.headers
    .getSetCookie()
    .find((c) => c.startsWith(`${SESSION_COOKIE}=`))
    ?.split(';')[0];
}

async function signedInAs(res: Response): Promise<string | null> {
  const cookie = sessionCookie(res);
  if (!cookie) return null;
  const r = await fetch(`${server.url}/api/session`, { headers: { cookie } });
  return r.status === 200
    ? ((await r.json()) as { user: { username: string } }).user.username
    : null;
}

function person(name: string) {
  const username = `${name}${process.pid}`;
  idp.addUser(username, `${username}-pw`, {
    mail: [`${username}@idp.example`],
    givenName: [name],
    sn: ['Built'],
  });
  return { username, password: `${username}-pw` };
}

test('a SAML login through the built server signs in (its worker verified the response)', async () => {
  const p = person('built');
  const res = await saml.post(await saml.idpResponse(p.username, p.password));
  assert.equal(res.status, 303);
  assert.equal(await signedInAs(res), p.username);
});

test('a response altered after signing is refused by the built server, with the reason audited', async () => {
  const p = person('altered');
  const posted = await saml.idpResponse(p.username, p.password);
  const altered = samlXml(posted.SAMLResponse).replace(
    `${p.username}@idp.example`,
    `admin@idp.example`,
  );
  assert.notEqual(altered, samlXml(posted.SAMLResponse));
  const res = await saml.post(posted, samlB64(altered));
  assert.ok(res.status >= 400, `status ${res.status}`);
  assert.equal(sessionCookie(res), undefined);
  const refusal = await app.store.db
    .selectFrom('audit_events')
    .select('changes')
    .where('action', '=', 'sso.login')
    .where('outcome', '=', 'failure')
    .orderBy('id', 'desc')
    .executeTakeFirstOrThrow();
  assert.match(refusal.changes ?? '', /did not verify/);
});

test('logins from 12 browsers at once are each answered and signed in', async () => {
  const people = Array.from({ length: 12 }, (_, i) => person(`burst${i}x`));
  const posted = await Promise.all(people.map((p) => saml.idpResponse(p.username, p.password)));
  const answers = await Promise.all(posted.map((r) => saml.post(r)));
  assert.deepEqual(
    await Promise.all(answers.map((r) => signedInAs(r))),
    people.map((p) => p.username),
  );
});
