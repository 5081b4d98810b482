/**
 * Just-in-time provisioning: the local account a first login creates (origin `sso`, the IdP
 * as its source, password authority `idp`), with the identity link, the provider's default
 * groups and roles, and its audit events, in one transaction.
 *
 * Parallel first logins of one person: each may decide "provision"; the unique username key
 * and the identity link's primary key let exactly one insert win. A loser meets the taken
 * value (LostRace) or the constraint, and the service decides again.
 */
import type { Store } from '../../store/database.ts';
import type { NewPersonRow } from '../../store/schema.ts';
import { insertPerson, uniqueConflicts } from '../../store/people-repo.ts';
import { recordLoginSuccess } from '../../store/sign-in-repo.ts';
import { insertIdentity } from '../../store/identity-repo.ts';
import { addMembers, findCollectionItem } from '../../store/collection-repo.ts';
import { recordAudit, diff } from '../../audit/record.ts';
import { nowIso } from '../context.ts';
import { auditView } from '../audit-view.ts';
import type { PeopleService } from '../people.ts';
import type { Decision } from './decide.ts';
import type { MappedValues } from './attributes.ts';
import { auditLogin, loginActor } from './login-audit.ts';
import {
  idpProvider,
  type IdentityProvider,
  type LoginContext,
  type LoginOutcome,
  type VerifiedLogin,
} from './types.ts';

/** A provisioning that lost a race (or met a taken value): read the facts again. */
export class LostRace extends Error {
  constructor(readonly taken: string[]) {
    super('lost race');
  }
}

type Refusal = Extract<Decision, { kind: 'refuse' }>;

/** The new account's row from what the IdP sent, or why none can be made. */
export async function prepareProvisioned(
  people: PeopleService,
  provider: IdentityProvider,
  mapped: MappedValues,
): Promise<{ row: NewPersonRow } | { refusal: Refusal }> {
  const f = mapped.fields;
  const missing = (['firstname', 'surname', 'email'] as const).filter((k) => !f[k]);
  if (missing.length > 0)
    return {
      refusal: {
        kind: 'refuse',
        errorType: 'sso_attribute_missing',
        reason: `An account would be created, but ${provider.name} sent no ${missing
          .map(
            (k) =>
              `${k} (${provider.attribute_mapping[k] ? `attribute ${provider.attribute_mapping[k]}` : 'not mapped'})`,
          )
          .join(', ')}.`,
      },
    };
  const { row, errors } = await people.prepareNew({
    username: mapped.username ?? '',
    firstname: f.firstname ?? '',
    surname: f.surname ?? '',
    email: f.email ?? '',
    ...(f.user_code ? { user_code: f.user_code } : {}),
    ...(f.job_title ? { job_title: f.job_title } : {}),
    ...(f.department ? { department: f.department } : {}),
    ...(f.office ? { office: f.office } : {}),
    ...(f.phone ? { phone: f.phone } : {}),
    ...(f.mobile ? { mobile: f.mobile } : {}),
    profile: mapped.profile,
    extranet_id: provider.defaults.extranet_id,
    password_authority: 'idp',
    origin_source: idpProvider(provider.id),
  });
  if (errors.length > 0)
    return {
      refusal: {
        kind: 'refuse',
        errorType: 'sso_provision_failed',
        reason: `An account would be created, but the values from ${provider.name} are not valid: ${errors
          .map((e) => `${e.field}: ${e.message}`)
          .join(' ')}`,
      },
    };
  row.origin = 'sso';
  return { row };
}

/** Only the members of defaults that still exist (a deleted group is skipped, not an error). */
async function addDefaultMemberships(
  tx: Parameters<typeof findCollectionItem>[0],
  provider: IdentityProvider,
  personId: number,
): Promise<{ groups: number[]; roles: number[] }> {
  const groups: number[] = [];
  for (const g of provider.defaults.groups)
    if (await findCollectionItem(tx, 'groups', g)) {
      await addMembers(tx, 'group_members', g, [personId]);
      groups.push(g);
    }
  const roles: number[] = [];
  for (const r of provider.defaults.roles)
    if (await findCollectionItem(tx, 'roles', r)) {
      await addMembers(tx, 'role_members', r, [personId]);
      roles.push(r);
    }
  return { groups, roles };
}

/** Inserts the account and signs it in; throws LostRace when a unique value is taken. */
export async function insertProvisioned(
  store: Store,
  provider: IdentityProvider,
  login: VerifiedLogin,
  mapped: MappedValues,
  row: NewPersonRow,
  reason: string,
  ctx: LoginContext,
): Promise<LoginOutcome> {
  const at = nowIso();
  row.created_at = row.updated_at = at;
  return store.db.transaction().execute(async (tx) => {
    const taken = await uniqueConflicts(tx, row, null);
    if (taken.length > 0) throw new LostRace(taken);
    const inserted = await insertPerson(tx, row);
    if (login.linkable)
      await insertIdentity(tx, idpProvider(provider.id), login.subject, inserted.id, at);
    const { groups, roles } = await addDefaultMemberships(tx, provider, inserted.id);
    await recordAudit(tx, loginActor(ctx, inserted.id, inserted.username), {
      action: 'person.create',
      targetType: 'person',
      targetId: inserted.id,
      targetLabel: inserted.username,
      changes: {
        ...diff(null, auditView(inserted)),
        ...(groups.length ? { groups: [null, groups] } : {}),
        ...(roles.length ? { roles: [null, roles] } : {}),
      },
      at,
    });
    await recordLoginSuccess(tx, inserted.id, at, null, false);
    await auditLogin(tx, provider, login, mapped, ctx, inserted, {
      outcome: 'provisioned',
      reason,
      ...(login.linkable
        ? { identity_linked: `${idpProvider(provider.id)}/${login.subject}` }
        : {}),
    });
    return { outcome: 'provisioned' as const, personId: inserted.id, reason };
  });
}
