/**
 * SSO's just-in-time directory sync (issue 10, DESIGN.md "SSO login handler" 2.3): a person
 * signs in through an IdP before the next sync has brought their LDAP entry in. Each LDAP
 * directory is searched once for them (login-lookup.ts); an entry in a sync's scope is
 * applied through the core now (app.core.directorySync.applyEntry: the same rules, audit and
 * transaction as any sync), and the SSO service signs the account in. The decision itself
 * stays in src/core/sso/decide.ts; this only finds and applies.
 */
import type { Core } from '../../core/index.ts';
import type { Actor } from '../../core/context.ts';
import type { JustInTimeDirectoryLookup, JustInTimeResult } from '../../core/sso/types.ts';
import { ldapTarget } from './directory.ts';
import { withClient } from './client.ts';
import { lookupForLogin } from './login-lookup.ts';
import { LdapError } from './types.ts';

/** A sign-in waits for this at most per directory (the sync's own reads allow 10 s). */
export const JUST_IN_TIME_TIMEOUT_MS = 5_000;

export function ldapJustInTime(core: Core): JustInTimeDirectoryLookup {
  return {
    async lookup(by, ctx): Promise<JustInTimeResult> {
      const unavailable: { directoryName: string; reason: string }[] = [];
      let outOfScope: { directoryName: string; why: string } | undefined;
      for (const record of await core.directories.records()) {
        // SCIM directories are pushed to, there is nothing to ask; an LDAP row without a
        // URL is registered by its owned fields only (nothing to connect to either).
        if (record.type !== 'ldap' || !record.ldap.url) continue;
        const t = await ldapTarget(core, record.id);
        let found;
        try {
          found = await withClient({ ...t.conn, timeoutMs: JUST_IN_TIME_TIMEOUT_MS }, (client) =>
            lookupForLogin(client, t.conn, t.search, t.settings.mapping, by),
          );
        } catch (err) {
          if (!(err instanceof LdapError)) throw err;
          unavailable.push({ directoryName: record.name, reason: err.message });
          continue;
        }
        if (found.kind === 'none') continue;
        if (found.kind === 'out_of_scope') {
          outOfScope ??= { directoryName: record.name, why: found.why };
          continue;
        }
        const entry = found.entry;
        const actor: Actor = {
          personId: null,
          label: `directory:${record.name} (just in time, at an SSO sign-in)`,
          gate: 'ldap',
          directoryId: record.id,
          ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
          ...(ctx.ip ? { ip: ctx.ip } : {}),
        };
        const outcome = await core.directorySync.applyEntry(actor, record.id, entry, {
          dryRun: ctx.dryRun === true,
        });
        const base = { found: true, inScope: true, directoryName: record.name, entry } as const;
        if (outcome.action === 'error')
          return {
            ...base,
            personId: null,
            reason: outcome.error?.message ?? 'the core refused the entry',
          };
        // A dry run's "created" account was rolled back: there is none yet.
        const personId = ctx.dryRun && outcome.action === 'created' ? null : outcome.personId;
        return { ...base, personId };
      }
      // Not knowing (a directory down) outranks "out of scope elsewhere": it may be there.
      if (unavailable.length > 0) return { found: false, unavailable };
      if (outOfScope) return { found: true, inScope: false, ...outOfScope };
      return { found: false };
    },
  };
}
