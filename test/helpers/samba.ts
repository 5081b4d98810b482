/**
 * A real Active Directory for the tests: Debian's Samba AD DC, provisioned once per test
 * run into a temp folder (about 20 s) and started on its own loopback address 127.0.0.2
 * (AD's ports are fixed: 389, 636), with a certificate for LDAPS and StartTLS made by
 * openssl (subjectAltName IP:127.0.0.2, signed by a test CA whose PEM is passed on).
 *
 * test/run-integration.ts starts it when a selected test file uses this helper and passes
 * GATEHOUSE_TEST_AD_* in the env; a file run alone starts one for its process. Each test
 * file makes its own OU (adSubtree). Samba binds ports below 1024: it needs root, and
 * without root this fails loudly rather than skipping.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Attribute, Change, Client } from 'ldapts';

// GATEHOUSE_TEST_AD_HOST gives another loopback address, so two checkouts can run Samba at once.
export const AD_HOST = process.env.GATEHOUSE_TEST_AD_HOST ?? '127.0.0.2';
export const AD_BASE = 'DC=example,DC=test';
export const AD_ADMIN_DN = `CN=Administrator,CN=Users,${AD_BASE}`;

export interface SambaInfo {
  url: string;
  ldapsUrl: string;
  baseDn: string;
  adminDn: string;
  adminPassword: string;
  caPem: string;
  /** A CA that did not sign the server's certificate, for the TLS error test. */
  wrongCaPem: string;
}

export interface SambaServer extends SambaInfo {
  dir: string;
  stop(): Promise<void>;
}

function run(cmd: string, args: string[], cwd?: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd });
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr || r.stdout}`);
  return r.stdout;
}

function requireRoot(): void {
  if (typeof process.getuid === 'function' && process.getuid() !== 0)
    throw new Error(
      'The Active Directory tests need root: Samba AD binds ports 389/636 on 127.0.0.2. Run the tests as root (CI does).',
    );
  if (!fs.existsSync('/usr/sbin/samba'))
    throw new Error('Samba AD DC is not installed: .ci/run installs samba-ad-dc and friends.');
}

/** A test CA and a server certificate for 127.0.0.2 / dc1.example.test, plus an unrelated CA. */
function makeCertificates(dir: string): void {
  const o = (args: string[]): string => run('openssl', args, dir);
  o([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=Gatehouse test CA',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
  ]);
  o([
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=dc1.example.test',
    '-keyout',
    'key.pem',
    '-out',
    'server.csr',
  ]);
  fs.writeFileSync(
    path.join(dir, 'san.ext'),
    `subjectAltName=IP:${AD_HOST},DNS:dc1.example.test\n`,
  );
  o([
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    'san.ext',
    '-out',
    'cert.pem',
  ]);
  o([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=Some other CA',
    '-keyout',
    'wrong-ca.key',
    '-out',
    'wrong-ca.pem',
  ]);
  fs.chmodSync(path.join(dir, 'key.pem'), 0o600);
}

function provision(dir: string, adminPassword: string): void {
  const opts = [
    'interfaces=lo',
    'bind interfaces only=yes',
    `pid directory=${dir}/run`,
    `ncalrpc dir=${dir}/run/ncalrpc`,
    `winbindd socket directory=${dir}/run/winbindd`,
    `ntp signd socket directory=${dir}/run/ntp_signd`,
    `log file=${dir}/log/%m.log`,
  ].flatMap((o) => [`--option=${o}`]);
  run('/usr/bin/python3', [
    '/usr/bin/samba-tool',
    'domain',
    'provision',
    '--realm=EXAMPLE.TEST',
    '--domain=EXAMPLE',
    `--adminpass=${adminPassword}`,
    '--server-role=dc',
    '--dns-backend=NONE',
    '--use-rfc2307',
    '--host-name=dc1',
    `--targetdir=${dir}`,
    ...opts,
  ]);
  for (const d of ['run', 'log', 'cache']) fs.mkdirSync(path.join(dir, d), { recursive: true });
  const conf = path.join(dir, 'etc', 'smb.conf');
  let text = fs.readFileSync(conf, 'utf8');
  text = text.replace(/^\s*server services = .*$/m, '\tserver services = ldap');
  text = text.replace(/^\s*interfaces = .*$/m, `\tinterfaces = ${AD_HOST}/8`);
  text = text.replace(
    '[global]',
    `[global]\n\tldap server require strong auth = no\n\tldb:nosync = true\n\ttls enabled = yes\n\ttls keyfile = ${dir}/tls/key.pem\n\ttls certfile = ${dir}/tls/cert.pem\n\ttls cafile = ${dir}/tls/ca.pem`,
  );
  fs.writeFileSync(conf, text);
  // Lockout after 3 wrong passwords, so the "locked" sign-in message can be tested.
  run('/usr/bin/python3', [
    '/usr/bin/samba-tool',
    'domain',
    'passwordsettings',
    'set',
    '-s',
    conf,
    '--account-lockout-threshold=3',
    '--complexity=off',
  ]);
}

async function waitReady(info: SambaInfo, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`samba exited (${child.exitCode}): ${log()}`);
    const c = new Client({ url: info.url, connectTimeout: 1000, timeout: 5000 });
    try {
      await c.bind(info.adminDn, info.adminPassword);
      await c.unbind();
      return;
    } catch {
      await c.unbind().catch(() => undefined);
      await sleep(200);
    }
  }
  throw new Error(`Samba did not answer at ${info.url}: ${log()}`);
}

export async function startSamba(): Promise<SambaServer> {
  requireRoot();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-samba-'));
  const adminPassword = `Adm1n-${randomBytes(6).toString('hex')}`;
  fs.mkdirSync(path.join(dir, 'tls'));
  makeCertificates(path.join(dir, 'tls'));
  provision(dir, adminPassword);
  const info: SambaInfo = {
    url: `ldap://${AD_HOST}`,
    ldapsUrl: `ldaps://${AD_HOST}`,
    baseDn: AD_BASE,
    adminDn: AD_ADMIN_DN,
    adminPassword,
    caPem: fs.readFileSync(path.join(dir, 'tls', 'ca.pem'), 'utf8'),
    wrongCaPem: fs.readFileSync(path.join(dir, 'tls', 'wrong-ca.pem'), 'utf8'),
  };
  // With stdin a pipe, samba -i exits when the pipe closes: a crashed run leaves nothing behind.
  const child = spawn(
    'samba',
    ['-i', '-M', 'single', '-s', path.join(dir, 'etc', 'smb.conf'), '--maximum-runtime=3600'],
    {
      stdio: ['pipe', 'ignore', 'pipe'],
    },
  );
  // The pipe keeps samba alive, not this process: when the process ends, samba follows.
  child.unref();
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();
  let log = '';
  child.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  await waitReady(info, child, () => log);
  return {
    ...info,
    dir,
    stop: async () => {
      if (child.exitCode === null) {
        child.ref();
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGTERM');
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function sambaEnv(s: SambaInfo): Record<string, string> {
  return {
    GATEHOUSE_TEST_AD_URL: s.url,
    GATEHOUSE_TEST_AD_LDAPS_URL: s.ldapsUrl,
    GATEHOUSE_TEST_AD_BASE_DN: s.baseDn,
    GATEHOUSE_TEST_AD_ADMIN_DN: s.adminDn,
    GATEHOUSE_TEST_AD_ADMIN_PASSWORD: s.adminPassword,
    GATEHOUSE_TEST_AD_CA_PEM: s.caPem,
    GATEHOUSE_TEST_AD_WRONG_CA_PEM: s.wrongCaPem,
  };
}

let privateServer: Promise<SambaServer> | undefined;

export async function sharedSamba(): Promise<SambaInfo> {
  const e = process.env;
  if (e.GATEHOUSE_TEST_AD_URL && e.GATEHOUSE_TEST_AD_ADMIN_PASSWORD && e.GATEHOUSE_TEST_AD_CA_PEM) {
    return {
      url: e.GATEHOUSE_TEST_AD_URL,
      ldapsUrl: e.GATEHOUSE_TEST_AD_LDAPS_URL ?? `ldaps://${AD_HOST}`,
      baseDn: e.GATEHOUSE_TEST_AD_BASE_DN ?? AD_BASE,
      adminDn: e.GATEHOUSE_TEST_AD_ADMIN_DN ?? AD_ADMIN_DN,
      adminPassword: e.GATEHOUSE_TEST_AD_ADMIN_PASSWORD,
      caPem: e.GATEHOUSE_TEST_AD_CA_PEM,
      wrongCaPem: e.GATEHOUSE_TEST_AD_WRONG_CA_PEM ?? '',
    };
  }
  privateServer ??= startSamba().then((s) => {
    process.once('beforeExit', () => void s.stop());
    return s;
  });
  return privateServer;
}

/** AD's unicodePwd: the password in double quotes, UTF-16LE. */
export function unicodePwd(password: string): Buffer {
  return Buffer.from(`"${password}"`, 'utf16le');
}

export interface AdUserSpec {
  sam: string;
  givenName?: string;
  sn?: string;
  mail?: string;
  password?: string;
  /** 512 normal, 514 disabled. */
  uac?: number;
  extra?: Record<string, string | string[]>;
}

/** One test file's own OU in the shared domain, with the administrator's operations on it. */
export class AdSubtree {
  constructor(
    readonly info: SambaInfo,
    readonly baseDn: string,
  ) {}

  async admin<T>(work: (c: Client) => Promise<T>): Promise<T> {
    const c = new Client({ url: this.info.url, timeout: 30_000, strictDN: false });
    await c.bind(this.info.adminDn, this.info.adminPassword);
    try {
      return await work(c);
    } finally {
      await c.unbind().catch(() => undefined);
    }
  }

  userDn(sam: string, ou?: string): string {
    return `CN=${sam},${ou ? `OU=${ou},` : ''}${this.baseDn}`;
  }

  groupDn(cn: string): string {
    return `CN=${cn},${this.baseDn}`;
  }

  connection(): { url: string; startTls: boolean; bindDn: string; bindPassword: string } {
    return {
      url: this.info.url,
      startTls: false,
      bindDn: this.info.adminDn,
      bindPassword: this.info.adminPassword,
    };
  }

  async addOu(name: string): Promise<string> {
    const dn = `OU=${name},${this.baseDn}`;
    await this.admin((c) => c.add(dn, { objectClass: ['top', 'organizationalUnit'], ou: name }));
    return dn;
  }

  async addUser(u: AdUserSpec, ou?: string): Promise<string> {
    const dn = this.userDn(u.sam, ou);
    await this.admin(async (c) => {
      await c.add(dn, {
        objectClass: ['top', 'person', 'organizationalPerson', 'user'],
        cn: u.sam,
        sAMAccountName: u.sam,
        userPrincipalName: `${u.sam}@example.test`,
        sn: u.sn ?? 'Test',
        ...(u.givenName ? { givenName: u.givenName } : {}),
        ...(u.mail ? { mail: u.mail } : {}),
        ...u.extra,
      });
      if (u.password)
        await this.modifyWith(c, dn, 'replace', 'unicodePwd', [unicodePwd(u.password)]);
      await this.modifyWith(c, dn, 'replace', 'userAccountControl', [String(u.uac ?? 512)]);
    });
    return dn;
  }

  async addGroup(cn: string, memberDns: string[]): Promise<string> {
    const dn = this.groupDn(cn);
    await this.admin((c) =>
      c.add(dn, {
        objectClass: ['top', 'group'],
        cn,
        sAMAccountName: `${cn}-${this.baseDn.length}`,
        ...(memberDns.length ? { member: memberDns } : {}),
      }),
    );
    return dn;
  }

  private async modifyWith(
    c: Client,
    dn: string,
    operation: 'add' | 'delete' | 'replace',
    type: string,
    values: (string | Buffer)[],
  ): Promise<void> {
    await c.modify(
      dn,
      new Change({ operation, modification: new Attribute({ type, values: values as string[] }) }),
    );
  }

  async modify(
    dn: string,
    operation: 'add' | 'delete' | 'replace',
    type: string,
    values: (string | Buffer)[],
  ): Promise<void> {
    await this.admin((c) => this.modifyWith(c, dn, operation, type, values));
  }

  async disable(dn: string): Promise<void> {
    await this.modify(dn, 'replace', 'userAccountControl', ['514']);
  }

  async enable(dn: string): Promise<void> {
    await this.modify(dn, 'replace', 'userAccountControl', ['512']);
  }

  async addMember(groupDn: string, memberDn: string): Promise<void> {
    await this.modify(groupDn, 'add', 'member', [memberDn]);
  }

  async remove(dn: string): Promise<void> {
    await this.admin((c) => c.del(dn));
  }

  async moveTo(dn: string, newDn: string): Promise<void> {
    await this.admin((c) => c.modifyDN(dn, newDn));
  }
}

export async function adSubtree(prefix = 't'): Promise<AdSubtree> {
  const info = await sharedSamba();
  const name = `${prefix}${randomBytes(4).toString('hex')}`;
  const dn = `OU=${name},${info.baseDn}`;
  const c = new Client({ url: info.url, timeout: 30_000 });
  await c.bind(info.adminDn, info.adminPassword);
  try {
    await c.add(dn, { objectClass: ['top', 'organizationalUnit'], ou: name });
  } finally {
    await c.unbind().catch(() => undefined);
  }
  return new AdSubtree(info, dn);
}
