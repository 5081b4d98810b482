/**
 * A throwaway OpenLDAP (slapd) for the tests: mdb database in a temp folder, the memberof
 * and refint overlays (memberOf filled in, member/manager DNs kept right on renames and
 * deletes), syncprov (so the suffix has a contextCSN), a configurable size limit, and a
 * non-root reader account `cn=reader,<suffix>` that the limits apply to (the root DN
 * bypasses them).
 *
 * One is started per test run by test/run-integration.ts (GATEHOUSE_TEST_LDAP_* in the
 * env); each test file takes its own `ou=` subtree of it (ldapSubtree). A file run alone
 * (`npx tsx --test FILE`) gets a private one for its process. Fault tests start their own
 * with startSlapd() and stop it mid-run.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Attribute, Change, Client } from 'ldapts';

export const SUFFIX = 'dc=example,dc=test';
export const ROOT_DN = `cn=admin,${SUFFIX}`;
export const READER_DN = `cn=reader,${SUFFIX}`;

export interface SlapdInfo {
  url: string;
  suffix: string;
  rootDn: string;
  rootPassword: string;
  /** The account the layer under test binds as (limits apply to it). */
  bindDn: string;
  bindPassword: string;
}

export interface SlapdServer extends SlapdInfo {
  dir: string;
  port: number;
  /** Stop (SIGTERM) and remove the folder. */
  stop(): Promise<void>;
  /** Stop without removing the data: `restart()` brings the same directory back. */
  pause(): Promise<void>;
  restart(): Promise<void>;
}

export interface SlapdOptions {
  /** size.soft: entries per non-paged search, and per page at most. */
  sizeSoft?: number;
  /** size.prtotal: entries a paged search may return in total (unlimited by default). */
  sizePrTotal?: number | 'unlimited';
  syncprov?: boolean;
  port?: number;
  /**
   * LDIF of entries under the suffix to load offline (slapadd -q) before the start: fast
   * (20,000 entries in about 0.6 s) but without the overlays (no memberOf).
   */
  preloadLdif?: string;
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function slappasswd(secret: string): string {
  const r = spawnSync('slappasswd', ['-s', secret], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`slappasswd failed: ${r.stderr}`);
  return r.stdout.trim();
}

export function slapdConfig(dir: string, rootPassword: string, opts: SlapdOptions): string {
  const schemas = ['core', 'cosine', 'inetorgperson', 'nis']
    .map((s) => `include /etc/ldap/schema/${s}.schema`)
    .join('\n');
  const modules = [
    'back_mdb',
    'memberof',
    'refint',
    ...(opts.syncprov === false ? [] : ['syncprov']),
  ]
    .map((m) => `moduleload ${m}`)
    .join('\n');
  return `${schemas}
modulepath /usr/lib/ldap
${modules}
pidfile ${dir}/slapd.pid
argsfile ${dir}/slapd.args

database mdb
maxsize 1073741824
suffix "${SUFFIX}"
rootdn "${ROOT_DN}"
rootpw ${slappasswd(rootPassword)}
directory ${dir}/db
index objectClass,uid,mail,cn,memberOf,member,entryUUID,modifyTimestamp eq
limits dn.exact="${READER_DN}" size.soft=${opts.sizeSoft ?? 500} size.hard=unlimited size.prtotal=${opts.sizePrTotal ?? 'unlimited'}
limits users size.soft=${opts.sizeSoft ?? 500} size.hard=unlimited size.prtotal=${opts.sizePrTotal ?? 'unlimited'}
access to attrs=userPassword by self write by anonymous auth by * none
access to * by users read by * none
${opts.syncprov === false ? '' : 'overlay syncprov\n'}overlay memberof
memberof-group-oc groupOfNames
memberof-member-ad member
memberof-memberof-ad memberOf
memberof-refint TRUE
overlay refint
refint_attributes member manager
`;
}

/** Shell wrapper: slapd dies with the process that started it (its stdin pipe closes). */
function spawnSlapd(conf: string, port: number): ChildProcess {
  const script = `slapd -f "$1" -h "ldap://127.0.0.1:$2/" -d 0 & pid=$!; trap 'kill $pid 2>/dev/null' TERM; read _ ; kill $pid 2>/dev/null; wait $pid`;
  return spawn('sh', ['-c', script, 'slapd-watch', conf, String(port)], {
    stdio: ['pipe', 'ignore', 'pipe'],
  });
}

async function waitReady(
  url: string,
  dn: string,
  password: string,
  child: ChildProcess,
  stderr: () => string,
): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`slapd exited: ${stderr()}`);
    const c = new Client({ url, connectTimeout: 500, timeout: 2000 });
    try {
      await c.bind(dn, password);
      await c.unbind();
      return;
    } catch {
      await c.unbind().catch(() => undefined);
      await sleep(50);
    }
  }
  throw new Error(`slapd did not answer at ${url}: ${stderr()}`);
}

export async function startSlapd(opts: SlapdOptions = {}): Promise<SlapdServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-slapd-'));
  fs.mkdirSync(path.join(dir, 'db'));
  const rootPassword = randomBytes(9).toString('base64url');
  const bindPassword = randomBytes(9).toString('base64url');
  const conf = path.join(dir, 'slapd.conf');
  fs.writeFileSync(conf, slapdConfig(dir, rootPassword, opts));
  const test = spawnSync('slaptest', ['-f', conf, '-u'], { encoding: 'utf8' });
  if (test.status !== 0) throw new Error(`slaptest failed: ${test.stderr}`);
  const port = opts.port ?? (await freePort());
  const url = `ldap://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let err = '';
  const launch = async (): Promise<void> => {
    err = '';
    const c = spawnSlapd(conf, port);
    c.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    // The wrapper's stdin pipe keeps slapd alive, not this process (slapd follows it out).
    c.unref();
    (c.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    (c.stderr as unknown as { unref?: () => void } | null)?.unref?.();
    child = c;
    await waitReady(url, ROOT_DN, rootPassword, c, () => err);
  };
  const halt = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    c.ref(); // wait for it, though it does not keep the process alive otherwise
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill('SIGTERM');
    await exited;
    // slapd releases the port a moment after its parent shell is gone.
    for (let i = 0; i < 100 && fs.existsSync(path.join(dir, 'slapd.pid')); i++) await sleep(20);
  };
  const baseEntries = `dn: ${SUFFIX}\nobjectClass: top\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example\n\ndn: ${READER_DN}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: reader\nuserPassword: ${bindPassword}\n\n`;
  if (opts.preloadLdif !== undefined) {
    const file = path.join(dir, 'preload.ldif');
    fs.writeFileSync(file, baseEntries + opts.preloadLdif);
    // -w writes the suffix's contextCSN, as a replicated (syncprov) directory has one: the
    // incremental sync's watermark. Without it the watermark falls back to the newest
    // modifyTimestamp, which slapadd gives every entry of the second it loaded them in.
    const args = ['-q', ...(opts.syncprov === false ? [] : ['-w']), '-f', conf, '-l', file];
    const r = spawnSync('slapadd', args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`slapadd failed: ${r.stderr}`);
    fs.rmSync(file);
  }
  await launch();
  const server: SlapdServer = {
    url,
    port,
    dir,
    suffix: SUFFIX,
    rootDn: ROOT_DN,
    rootPassword,
    bindDn: READER_DN,
    bindPassword,
    stop: async () => {
      await halt();
      fs.rmSync(dir, { recursive: true, force: true });
    },
    pause: halt,
    restart: launch,
  };
  if (opts.preloadLdif === undefined)
    await withRoot(server, async (c) => {
      await c.add(SUFFIX, {
        objectClass: ['top', 'dcObject', 'organization'],
        dc: 'example',
        o: 'Example',
      });
      await c.add(READER_DN, {
        objectClass: ['organizationalRole', 'simpleSecurityObject'],
        cn: 'reader',
        userPassword: bindPassword,
      });
    });
  return server;
}

export async function withRoot<T>(info: SlapdInfo, work: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ url: info.url, timeout: 30_000, strictDN: false });
  await c.bind(info.rootDn, info.rootPassword);
  try {
    return await work(c);
  } finally {
    await c.unbind().catch(() => undefined);
  }
}

/** The env the run passes to test processes for the shared slapd. */
export function slapdEnv(s: SlapdInfo): Record<string, string> {
  return {
    GATEHOUSE_TEST_LDAP_URL: s.url,
    GATEHOUSE_TEST_LDAP_SUFFIX: s.suffix,
    GATEHOUSE_TEST_LDAP_ROOT_DN: s.rootDn,
    GATEHOUSE_TEST_LDAP_ROOT_PASSWORD: s.rootPassword,
    GATEHOUSE_TEST_LDAP_BIND_DN: s.bindDn,
    GATEHOUSE_TEST_LDAP_BIND_PASSWORD: s.bindPassword,
  };
}

let privateServer: Promise<SlapdServer> | undefined;

/** The run's shared slapd, or a private one for this process when the runner did not start one. */
export async function sharedSlapd(): Promise<SlapdInfo> {
  const e = process.env;
  if (
    e.GATEHOUSE_TEST_LDAP_URL &&
    e.GATEHOUSE_TEST_LDAP_ROOT_PASSWORD &&
    e.GATEHOUSE_TEST_LDAP_BIND_PASSWORD
  ) {
    return {
      url: e.GATEHOUSE_TEST_LDAP_URL,
      suffix: e.GATEHOUSE_TEST_LDAP_SUFFIX ?? SUFFIX,
      rootDn: e.GATEHOUSE_TEST_LDAP_ROOT_DN ?? ROOT_DN,
      rootPassword: e.GATEHOUSE_TEST_LDAP_ROOT_PASSWORD,
      bindDn: e.GATEHOUSE_TEST_LDAP_BIND_DN ?? READER_DN,
      bindPassword: e.GATEHOUSE_TEST_LDAP_BIND_PASSWORD,
    };
  }
  privateServer ??= startSlapd().then((s) => {
    // The wrapper's stdin closes with this process; stop() tidies the folder when possible.
    process.once('beforeExit', () => void s.stop());
    return s;
  });
  return privateServer;
}

export interface UserSpec {
  uid: string;
  givenName?: string;
  sn?: string;
  mail?: string;
  password?: string;
  manager?: string;
  extra?: Record<string, string | string[]>;
}

/** One test file's own `ou=` subtree, with the root DN's write operations on it. */
export class LdapSubtree {
  constructor(
    readonly info: SlapdInfo,
    readonly baseDn: string,
  ) {}

  userDn(uid: string, ou?: string): string {
    return `uid=${uid},${ou ? `ou=${ou},` : ''}${this.baseDn}`;
  }

  groupDn(cn: string): string {
    return `cn=${cn},${this.baseDn}`;
  }

  /** Connection settings for the layer under test (as the reader account). */
  connection(): { url: string; startTls: boolean; bindDn: string; bindPassword: string } {
    return {
      url: this.info.url,
      startTls: false,
      bindDn: this.info.bindDn,
      bindPassword: this.info.bindPassword,
    };
  }

  async addOu(name: string): Promise<string> {
    const dn = `ou=${name},${this.baseDn}`;
    await withRoot(this.info, (c) => c.add(dn, { objectClass: ['organizationalUnit'], ou: name }));
    return dn;
  }

  async addUser(u: UserSpec, ou?: string): Promise<string> {
    const dn = this.userDn(u.uid, ou);
    const attrs: Record<string, string | string[]> = {
      objectClass: ['inetOrgPerson'],
      uid: u.uid,
      cn: `${u.givenName ?? u.uid} ${u.sn ?? 'Test'}`,
      sn: u.sn ?? 'Test',
      ...(u.givenName ? { givenName: u.givenName } : {}),
      ...(u.mail ? { mail: u.mail } : {}),
      ...(u.password ? { userPassword: u.password } : {}),
      ...(u.manager ? { manager: u.manager } : {}),
      ...u.extra,
    };
    await withRoot(this.info, (c) => c.add(dn, attrs));
    return dn;
  }

  /** Many users on one connection (about 1,000 a second with the overlays). */
  async addUsers(users: UserSpec[], ou?: string): Promise<string[]> {
    return withRoot(this.info, async (c) => {
      const dns: string[] = [];
      for (const u of users) {
        const dn = this.userDn(u.uid, ou);
        await c.add(dn, {
          objectClass: ['inetOrgPerson'],
          uid: u.uid,
          cn: u.uid,
          sn: u.sn ?? 'Test',
          ...(u.mail ? { mail: u.mail } : {}),
        });
        dns.push(dn);
      }
      return dns;
    });
  }

  async addGroup(cn: string, memberDns: string[]): Promise<string> {
    const dn = this.groupDn(cn);
    // groupOfNames needs a member; the suffix's reader stands in for an empty group.
    await withRoot(this.info, (c) =>
      c.add(dn, {
        objectClass: ['groupOfNames'],
        cn,
        member: memberDns.length > 0 ? memberDns : [this.info.bindDn],
      }),
    );
    return dn;
  }

  async addMember(groupDn: string, memberDn: string): Promise<void> {
    await this.modify(groupDn, 'add', 'member', [memberDn]);
  }

  async removeMember(groupDn: string, memberDn: string): Promise<void> {
    await this.modify(groupDn, 'delete', 'member', [memberDn]);
  }

  async modify(
    dn: string,
    operation: 'add' | 'delete' | 'replace',
    type: string,
    values: string[],
  ): Promise<void> {
    await withRoot(this.info, (c) =>
      c.modify(dn, new Change({ operation, modification: new Attribute({ type, values }) })),
    );
  }

  async remove(dn: string): Promise<void> {
    await withRoot(this.info, (c) => c.del(dn));
  }

  /** modrdn: a new RDN (rename) and/or a new parent (move); the entryUUID stays. */
  async moveTo(dn: string, newDn: string): Promise<void> {
    await withRoot(this.info, (c) => c.modifyDN(dn, newDn));
  }
}

export async function ldapSubtree(prefix = 't'): Promise<LdapSubtree> {
  const info = await sharedSlapd();
  const name = `${prefix}${randomBytes(5).toString('hex')}`;
  const dn = `ou=${name},${info.suffix}`;
  await withRoot(info, (c) => c.add(dn, { objectClass: ['organizationalUnit'], ou: name }));
  return new LdapSubtree(info, dn);
}
