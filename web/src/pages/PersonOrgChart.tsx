/** A person's manager and direct reports (the manager read-only when a directory owns it). */
import { Anchor, Group, Paper, SimpleGrid, Avatar } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { call, client, messageOf, type User } from '../api/client';
import { Failure, Loading } from '../components/states';
import { UserPicker, UsersPicker } from '../components/UserPicker';
import { fullName } from '../words';

export function OrgChart({
  person,
  ownedReason,
}: {
  person: User;
  ownedReason: string | undefined;
}) {
  const queryClient = useQueryClient();
  const params = { params: { path: { id: person.id } } };
  const reports = useQuery({
    queryKey: ['users', person.id, 'subordinates'],
    queryFn: () => call(client.GET('/api/people/v2/users/{id}/subordinates', params)),
  });
  const manager = useQuery({
    queryKey: ['users', person.manager_id],
    enabled: person.manager_id !== null,
    queryFn: () =>
      call(
        client.GET('/api/people/v2/users/{id}', {
          params: { path: { id: person.manager_id ?? 0 } },
        }),
      ),
  });
  const [error, setError] = useState<string | null>(null);
  const done = async () => {
    setError(null);
    notifications.show({ color: 'teal', message: 'Org chart saved.' });
    await queryClient.invalidateQueries({ queryKey: ['users'] });
  };
  if (reports.isPending || (person.manager_id !== null && manager.isPending)) return <Loading />;
  const reportList = reports.data?.data ?? [];
  return (
    <Paper withBorder p="lg">
      {error && <Failure mb="md">{error}</Failure>}
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <UserPicker
          label="Manager"
          description={ownedReason}
          disabled={ownedReason !== undefined}
          value={person.manager_id}
          exclude={person.id}
          known={
            manager.data
              ? {
                  id: manager.data.id,
                  label: `${fullName(manager.data)} (${manager.data.username})`,
                }
              : null
          }
          onChange={(id) => {
            call(
              client.PUT('/api/people/v2/users/{id}/manager', {
                ...params,
                body: { manager_id: id },
              }),
            )
              .then(done)
              .catch((err: unknown) => setError(messageOf(err)));
          }}
        />
        <UsersPicker
          label="Direct reports"
          value={reportList.map((r) => r.id)}
          exclude={person.id}
          known={reportList.map((r) => ({ id: r.id, label: `${fullName(r)} (${r.username})` }))}
          onChange={(ids) => {
            call(client.PUT('/api/people/v2/users/{id}/subordinates', { ...params, body: { ids } }))
              .then(done)
              .catch((err: unknown) => setError(messageOf(err)));
          }}
        />
      </SimpleGrid>
      {reportList.length > 0 && (
        <Group gap="xs" mt="md">
          {reportList.map((r) => (
            <Anchor key={r.id} component={Link} to={`/users/${r.id}`} size="sm">
              <Group gap={6}>
                <Avatar size={22} radius="xl">
                  {r.firstname.charAt(0)}
                  {r.surname.charAt(0)}
                </Avatar>
                {fullName(r)}
              </Group>
            </Anchor>
          ))}
        </Group>
      )}
    </Paper>
  );
}
