/**
 * A person's page: their details (directory-owned fields read-only, with the reason),
 * block / unblock / unfreeze, a new password, memberships, org chart and audit history.
 */
import { Alert, Badge, Button, Group, Paper, Stack, Tabs, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import {
  IconInfoCircle,
  IconLock,
  IconLockOpen,
  IconKey,
  IconSnowflakeOff,
} from '@tabler/icons-react';
import { useState } from 'react';
import { useParams } from 'react-router';
import { call, client, messageOf, type User } from '../api/client';
import { Page } from '../components/Page';
import { ErrorState, Loading } from '../components/states';
import { AuditTable } from './AuditLog';
import { useOverview } from '../lookups';
import {
  AUTHORITY_LABEL,
  FIELD_LABEL,
  STATE_COLOR,
  STATE_LABEL,
  formatDateTime,
  fullName,
  originSentence,
} from '../words';
import { DetailsForm } from './PersonDetailsForm';
import { Memberships } from './PersonMemberships';
import { BlockModal, PasswordModal } from './PersonModals';
import { OrgChart } from './PersonOrgChart';

function usePerson(id: number) {
  return useQuery({
    queryKey: ['users', id],
    queryFn: () => call(client.GET('/api/people/v2/users/{id}', { params: { path: { id } } })),
  });
}

export function PersonPage() {
  const id = Number(useParams().id);
  const person = usePerson(id);
  if (person.isPending) return <Loading label="Loading this person…" />;
  if (person.isError)
    return (
      <Page title="Person">
        <ErrorState error={person.error} onRetry={() => void person.refetch()} />
      </Page>
    );
  return <PersonView person={person.data} />;
}

function PersonView({ person }: { person: User }) {
  const queryClient = useQueryClient();
  const overview = useOverview();
  const directory = overview.data?.ways_in.directories.list.find(
    (d) => d.id === person.directory_id,
  );
  const owned = new Set(person.owned_fields ?? []);
  const ownedReason = directory
    ? `Managed by the directory “${directory.name}”: change it there.`
    : 'Managed by the directory that syncs this account: change it there.';
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['users'] });
  const [blockOpen, block] = useDisclosure(false);
  const [passwordOpen, password] = useDisclosure(false);
  const [busy, setBusy] = useState(false);

  const action = (path: 'unblock' | 'unfreeze', done: string) => {
    setBusy(true);
    call(
      client.POST(`/api/people/v2/users/{id}/${path}`, {
        params: { path: { id: person.id } },
        body: {},
      }),
    )
      .then(() => {
        notifications.show({ color: 'teal', message: done });
        return refresh();
      })
      .catch((err: unknown) =>
        notifications.show({ color: 'red', title: 'Not done', message: messageOf(err) }),
      )
      .finally(() => setBusy(false));
  };

  const stateOwned = person.directory_id !== null;
  return (
    <Page
      title={fullName(person) || person.username}
      description={
        <Group gap="xs" component="span">
          <span>{person.username}</span>
          <Badge variant="light" color={STATE_COLOR[person.state]}>
            {STATE_LABEL[person.state]}
          </Badge>
          {person.directory_id !== null && (
            <Badge variant="outline" color="grape">
              Synced
            </Badge>
          )}
        </Group>
      }
      actions={
        <>
          {person.state === 'active' && (
            <Button
              color="red"
              variant="light"
              leftSection={<IconLock size={16} />}
              onClick={block.open}
              disabled={stateOwned}
              title={
                stateOwned ? 'The directory decides whether this account is blocked.' : undefined
              }
            >
              Block
            </Button>
          )}
          {person.state === 'blocked' && (
            <Button
              variant="light"
              color="teal"
              leftSection={<IconLockOpen size={16} />}
              loading={busy}
              onClick={() => action('unblock', 'The account was unblocked.')}
            >
              Unblock
            </Button>
          )}
          {person.state === 'frozen' && (
            <Button
              variant="light"
              leftSection={<IconSnowflakeOff size={16} />}
              loading={busy}
              onClick={() => action('unfreeze', 'The sign-in lockout was lifted.')}
            >
              Unfreeze
            </Button>
          )}
          <Button
            variant="default"
            leftSection={<IconKey size={16} />}
            onClick={password.open}
            disabled={person.password_authority !== 'local'}
            title={
              person.password_authority !== 'local'
                ? AUTHORITY_LABEL[person.password_authority ?? 'local']
                : undefined
            }
          >
            Set a new password
          </Button>
        </>
      }
    >
      <Alert
        variant="light"
        color="blue"
        icon={<IconInfoCircle size={18} />}
        title="Origin and authority"
      >
        <Stack gap={4}>
          <Text size="sm">{originSentence(person, directory?.name)}</Text>
          <Text size="sm">{AUTHORITY_LABEL[person.password_authority ?? 'local']}.</Text>
          {person.state === 'blocked' && (
            <Text size="sm">
              Blocked by {person.blocked_by ?? 'an administrator'}
              {person.blocked_reason ? `: ${person.blocked_reason}` : '.'}
            </Text>
          )}
          {person.state === 'frozen' && (
            <Text size="sm">
              Sign-in is locked after too many failed attempts, until{' '}
              {formatDateTime(person.frozen_until)}.
            </Text>
          )}
          {owned.size > 0 && (
            <Text size="sm">
              Read-only here:{' '}
              {[...owned].map((f) => FIELD_LABEL[f] ?? f.replace(/^profile\./, '')).join(', ')}.
            </Text>
          )}
        </Stack>
      </Alert>

      <Tabs defaultValue="details" keepMounted={false}>
        <Tabs.List mb="md">
          <Tabs.Tab value="details">Details</Tabs.Tab>
          <Tabs.Tab value="memberships">Roles and groups</Tabs.Tab>
          <Tabs.Tab value="org">Org chart</Tabs.Tab>
          <Tabs.Tab value="history">History</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="details">
          <DetailsForm person={person} owned={owned} ownedReason={ownedReason} onSaved={refresh} />
        </Tabs.Panel>
        <Tabs.Panel value="memberships">
          <Memberships person={person} />
        </Tabs.Panel>
        <Tabs.Panel value="org">
          <OrgChart
            person={person}
            ownedReason={owned.has('manager_id') ? ownedReason : undefined}
          />
        </Tabs.Panel>
        <Tabs.Panel value="history">
          <Paper withBorder>
            <AuditTable filters={{ target_type: 'person', target_id: String(person.id) }} compact />
          </Paper>
        </Tabs.Panel>
      </Tabs>

      <BlockModal opened={blockOpen} onClose={block.close} person={person} onDone={refresh} />
      <PasswordModal opened={passwordOpen} onClose={password.close} person={person} />
    </Page>
  );
}
