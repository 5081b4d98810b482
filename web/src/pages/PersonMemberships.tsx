/**
 * A person's roles and groups; groups a directory syncs are shown but cannot be changed here.
 */
import { MultiSelect, SimpleGrid } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { call, client, messageOf, type User } from '../api/client';
import { Section } from '../components/Section';
import { ErrorState } from '../components/states';
import { useCollectionList, useOwnedReason } from '../lookups';
import { setMembership } from '../membership';

export function Memberships({ person }: { person: User }) {
  const params = { params: { path: { id: person.id } } };
  const queryClient = useQueryClient();
  const mine = {
    groups: useQuery({
      queryKey: ['users', person.id, 'groups'],
      queryFn: () => call(client.GET('/api/people/v2/users/{id}/groups', params)),
    }),
    roles: useQuery({
      queryKey: ['users', person.id, 'roles'],
      queryFn: () => call(client.GET('/api/people/v2/users/{id}/roles', params)),
    }),
  };
  const all = { groups: useCollectionList('groups'), roles: useCollectionList('roles') };
  const [busy, setBusy] = useState<string | null>(null);
  const ownedReason = useOwnedReason();
  // Groups a directory syncs are changed there: their options are disabled, and a change
  // that would touch one (a pill's remove button) is not sent.
  const ownedIds = new Set(
    (all.groups.data?.data ?? []).filter((g) => g.directory_id != null).map((g) => String(g.id)),
  );

  const change = async (kind: 'groups' | 'roles', requested: string[]) => {
    const current = new Set((mine[kind].data?.data ?? []).map((c) => String(c.id)));
    const next =
      kind === 'groups'
        ? [
            ...requested.filter((id) => !ownedIds.has(id)),
            ...[...current].filter((id) => ownedIds.has(id)),
          ]
        : requested;
    const wanted = new Set(next);
    setBusy(kind);
    try {
      for (const id of wanted)
        if (!current.has(id)) await setMembership(kind, Number(id), person.id, true);
      for (const id of current)
        if (!wanted.has(id)) await setMembership(kind, Number(id), person.id, false);
      notifications.show({
        color: 'teal',
        message: kind === 'groups' ? 'Groups saved.' : 'Roles saved.',
      });
    } catch (err) {
      notifications.show({ color: 'red', title: 'Not saved', message: messageOf(err) });
    } finally {
      setBusy(null);
      await queryClient.invalidateQueries({ queryKey: ['users', person.id, kind] });
    }
  };

  return (
    <SimpleGrid cols={{ base: 1, md: 2 }}>
      {(['roles', 'groups'] as const).map((kind) => (
        <Section key={kind} title={kind === 'roles' ? 'Roles' : 'Groups'}>
          {mine[kind].isError ? (
            <ErrorState error={mine[kind].error} />
          ) : (
            <MultiSelect
              label={kind === 'roles' ? 'Roles of this person' : 'Groups of this person'}
              placeholder={mine[kind].isPending ? 'Loading…' : 'None'}
              searchable
              disabled={busy === kind || mine[kind].isPending}
              data={(all[kind].data?.data ?? []).map((c) => ({
                value: String(c.id),
                label: c.name,
                disabled: kind === 'groups' && c.directory_id != null,
              }))}
              value={(mine[kind].data?.data ?? []).map((c) => String(c.id))}
              onChange={(v) => void change(kind, v)}
              description={
                kind === 'groups' &&
                (mine.groups.data?.data ?? []).some((g) => g.directory_id != null)
                  ? `Groups synced from a directory are shown here and cannot be changed. ${ownedReason((mine.groups.data?.data ?? []).find((g) => g.directory_id != null)?.directory_id) ?? ''}`
                  : undefined
              }
            />
          )}
        </Section>
      ))}
    </SimpleGrid>
  );
}
