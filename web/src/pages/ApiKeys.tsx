/** API keys: make one (shown once), see when each was last used, revoke. */
import {
  Alert,
  Badge,
  Button,
  Code,
  Group,
  Modal,
  Paper,
  Stack,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { IconAlertTriangle, IconPlus } from '@tabler/icons-react';
import { useState } from 'react';
import { CopyValue } from '../components/CopyValue';
import { call, client, fieldErrors, messageOf } from '../api/client';
import { Page } from '../components/Page';
import { Empty } from '../components/states';
import { formatDate, formatDateTime } from '../words';
import { QueryContent } from '../components/QueryContent';

interface Key {
  id: number;
  name: string;
  prefix: string;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
}

function status(k: Key): { label: string; color: string } {
  if (k.revoked_at) return { label: 'Revoked', color: 'gray' };
  if (k.expires_at && new Date(k.expires_at) < new Date())
    return { label: 'Expired', color: 'gray' };
  return { label: 'Active', color: 'teal' };
}

export function ApiKeysPage() {
  const queryClient = useQueryClient();
  const keys = useQuery({
    queryKey: ['api-keys'],
    queryFn: () => call(client.GET('/api/people/v2/api-keys')),
  });
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<{ name: string; key: string } | null>(null);
  const [revoking, setRevoking] = useState<Key | null>(null);
  const [busy, setBusy] = useState(false);

  return (
    <Page
      title="API keys"
      description="Keys let scripts and other systems use the People API as you. A key is shown once when it is made; keep it in a password manager."
      actions={
        <Button leftSection={<IconPlus size={16} />} onClick={() => setCreating(true)}>
          Create API key
        </Button>
      }
    >
      {created && (
        <Alert
          color="yellow"
          variant="light"
          icon={<IconAlertTriangle size={18} />}
          title={`Your new key “${created.name}”`}
        >
          <Stack gap="xs">
            <Text size="sm">Copy it now: it will not be shown again.</Text>
            <CopyValue label="New API key" value={created.key} />
            <Button size="xs" variant="subtle" w="fit-content" onClick={() => setCreated(null)}>
              I have stored it
            </Button>
          </Stack>
        </Alert>
      )}
      <QueryContent
        query={keys}
        isEmpty={(data) => data.data.length === 0}
        empty={
          <Empty
            title="No API keys yet"
            action={
              <Button variant="light" onClick={() => setCreating(true)}>
                Create API key
              </Button>
            }
          >
            Make a key for each system that provisions people through the API.
          </Empty>
        }
      >
        {(data) => (
          <Paper withBorder>
            <Table.ScrollContainer minWidth={700}>
              <Table verticalSpacing="sm" aria-label="API keys">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Name</Table.Th>
                    <Table.Th>Starts with</Table.Th>
                    <Table.Th>Status</Table.Th>
                    <Table.Th>Created</Table.Th>
                    <Table.Th>Last used</Table.Th>
                    <Table.Th>Expires</Table.Th>
                    <Table.Th>
                      <span className="visually-hidden">Actions</span>
                    </Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {data.data.map((k) => {
                    const s = status(k);
                    return (
                      <Table.Tr key={k.id}>
                        <Table.Td fw={500}>{k.name}</Table.Td>
                        <Table.Td>
                          <Code>{k.prefix}…</Code>
                        </Table.Td>
                        <Table.Td>
                          <Badge variant="light" color={s.color}>
                            {s.label}
                          </Badge>
                        </Table.Td>
                        <Table.Td>{formatDate(k.created_at)}</Table.Td>
                        <Table.Td>
                          {k.last_used_at ? formatDateTime(k.last_used_at) : 'Never'}
                        </Table.Td>
                        <Table.Td>{k.expires_at ? formatDate(k.expires_at) : 'Never'}</Table.Td>
                        <Table.Td>
                          {!k.revoked_at && (
                            <Button
                              size="xs"
                              color="red"
                              variant="subtle"
                              onClick={() => setRevoking(k)}
                              aria-label={`Revoke ${k.name}`}
                            >
                              Revoke
                            </Button>
                          )}
                        </Table.Td>
                      </Table.Tr>
                    );
                  })}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          </Paper>
        )}
      </QueryContent>
      {creating && (
        <CreateKeyModal
          onClose={() => setCreating(false)}
          onCreated={(c) => {
            setCreated(c);
            setCreating(false);
            void queryClient.invalidateQueries({ queryKey: ['api-keys'] });
          }}
        />
      )}
      <Modal
        opened={revoking !== null}
        onClose={() => setRevoking(null)}
        title={`Revoke ${revoking?.name ?? ''}?`}
        centered
      >
        <Stack>
          <Text size="sm">
            Systems using this key will be refused from now on. This cannot be undone.
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setRevoking(null)}>
              Cancel
            </Button>
            <Button
              color="red"
              loading={busy}
              onClick={() => {
                if (!revoking) return;
                setBusy(true);
                call(
                  client.DELETE('/api/people/v2/api-keys/{id}', {
                    params: { path: { id: revoking.id } },
                  }),
                )
                  .then(async () => {
                    notifications.show({ color: 'teal', message: 'The key was revoked.' });
                    setRevoking(null);
                    await queryClient.invalidateQueries({ queryKey: ['api-keys'] });
                  })
                  .catch((err: unknown) =>
                    notifications.show({ color: 'red', message: messageOf(err) }),
                  )
                  .finally(() => setBusy(false));
              }}
            >
              Revoke key
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Page>
  );
}

function CreateKeyModal(props: {
  onClose(): void;
  onCreated(c: { name: string; key: string }): void;
}) {
  const [busy, setBusy] = useState(false);
  const form = useForm({
    initialValues: { name: '', expires: '' },
    validate: {
      name: (v) => (v.trim() ? null : 'Give the key a name, such as the system that will use it.'),
    },
  });
  return (
    <Modal opened onClose={props.onClose} title="Create API key" centered>
      <form
        noValidate
        onSubmit={form.onSubmit((v) => {
          setBusy(true);
          call(
            client.POST('/api/people/v2/api-keys', {
              body: {
                name: v.name.trim(),
                ...(v.expires
                  ? { expires_at: new Date(`${v.expires}T23:59:59`).toISOString() }
                  : {}),
              },
            }),
          )
            .then((k) => props.onCreated({ name: k.name, key: k.key }))
            .catch((err: unknown) => {
              const errors = fieldErrors(err);
              form.setErrors(Object.keys(errors).length ? errors : { name: messageOf(err) });
            })
            .finally(() => setBusy(false));
        })}
      >
        <Stack>
          <TextInput
            label="Name"
            placeholder="e.g. HR system"
            required
            data-autofocus
            {...form.getInputProps('name')}
          />
          <TextInput
            label="Expires on"
            description="Optional."
            type="date"
            {...form.getInputProps('expires')}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={props.onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={busy}>
              Create key
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
