/** Groups, Roles and Extranet areas: the same list-and-edit page for each. */
import {
  ActionIcon,
  Badge,
  Button,
  Group,
  Modal,
  Pagination,
  Paper,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Textarea,
  Tooltip,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { IconPencil, IconPlus, IconSearch, IconTrash } from '@tabler/icons-react';
import { useState } from 'react';
import { call, client, fieldErrors, messageOf, type NamedItem } from '../api/client';
import { Page } from '../components/Page';
import { Empty, Failure } from '../components/states';
import { useCollectionList, useExtranets, useOwnedReason } from '../lookups';
import { formatDate } from '../words';
import { QueryContent } from '../components/QueryContent';

type Kind = 'groups' | 'roles' | 'extranets';
const TEXT: Record<Kind, { title: string; one: string; description: string }> = {
  groups: {
    title: 'Groups',
    one: 'group',
    description:
      'Groups gather people, for permissions and for messages. Groups can sit inside other groups.',
  },
  roles: {
    title: 'Roles',
    one: 'role',
    description: 'Roles say what people do. Each role belongs to an extranet area.',
  },
  extranets: {
    title: 'Extranet areas',
    one: 'extranet area',
    description:
      'Extranet areas keep outside people (partners, clients) apart from the primary area.',
  },
};
const PAGE = 25;

export function CollectionPage({ kind }: { kind: Kind }) {
  const t = TEXT[kind];
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search.trim(), 250);
  const [page, setPage] = useState(1);
  const [editing, setEditing] = useState<NamedItem | 'new' | null>(null);
  const [deleting, setDeleting] = useState<NamedItem | null>(null);
  const query = { offset: (page - 1) * PAGE, limit: PAGE, ...(q ? { q } : {}) };
  const list = useQuery({
    queryKey: [kind, query],
    queryFn: () => call(client.GET(`/api/people/v2/${kind}`, { params: { query } })),
    placeholderData: keepPreviousData,
  });
  const groups = useCollectionList('groups');
  const extranets = useExtranets();
  // Groups a directory syncs are read-only here, with the reason (as synced accounts' fields).
  const ownedReason = useOwnedReason();
  const nameOf = (items: NamedItem[] | undefined, id: number | null | undefined) =>
    id ? (items?.find((i) => i.id === id)?.name ?? `#${id}`) : '—';

  return (
    <Page
      key={kind}
      title={t.title}
      description={t.description}
      actions={
        <Button leftSection={<IconPlus size={16} />} onClick={() => setEditing('new')}>
          Add {t.one}
        </Button>
      }
    >
      <TextInput
        label={`Search ${t.title.toLowerCase()}`}
        placeholder="Name"
        leftSection={<IconSearch size={16} />}
        value={search}
        onChange={(e) => {
          setSearch(e.currentTarget.value);
          setPage(1);
        }}
        maw={360}
      />
      <QueryContent
        query={list}
        isEmpty={(data) => data.pagination.total === 0}
        empty={
          <Empty
            title={q ? `No ${t.one} matches` : `No ${t.title.toLowerCase()} yet`}
            action={
              !q && (
                <Button variant="light" onClick={() => setEditing('new')}>
                  Add {t.one}
                </Button>
              )
            }
          />
        }
      >
        {(data) => (
          <Paper withBorder>
            <Table.ScrollContainer minWidth={600}>
              <Table verticalSpacing="sm" highlightOnHover aria-label={t.title}>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Name</Table.Th>
                    <Table.Th>Description</Table.Th>
                    {kind === 'groups' && <Table.Th>Inside</Table.Th>}
                    {kind === 'roles' && <Table.Th>Extranet area</Table.Th>}
                    <Table.Th>Created</Table.Th>
                    <Table.Th w={90}>
                      <span className="visually-hidden">Actions</span>
                    </Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {data.data.map((c) => {
                    const owned = ownedReason(c.directory_id);
                    return (
                      <Table.Tr key={c.id}>
                        <Table.Td fw={500}>
                          {c.name}
                          {owned && (
                            <Text size="xs" c="dimmed" fw={400}>
                              <Badge size="xs" variant="light" color="gray" mr={6}>
                                Synced
                              </Badge>
                              {owned}
                            </Text>
                          )}
                        </Table.Td>
                        <Table.Td>
                          <Text size="sm" c={c.description ? undefined : 'dimmed'} lineClamp={2}>
                            {c.description || '—'}
                          </Text>
                        </Table.Td>
                        {kind === 'groups' && (
                          <Table.Td>{nameOf(groups.data?.data, c.parent_id)}</Table.Td>
                        )}
                        {kind === 'roles' && (
                          <Table.Td>
                            {c.extranet_id
                              ? nameOf(extranets.data?.data, c.extranet_id)
                              : 'Primary area'}
                          </Table.Td>
                        )}
                        <Table.Td>{formatDate(c.created_at)}</Table.Td>
                        <Table.Td>
                          <Group gap={4} wrap="nowrap">
                            <Tooltip label={owned ?? 'Edit'}>
                              <ActionIcon
                                variant="subtle"
                                aria-label={`Edit ${c.name}`}
                                disabled={owned !== undefined}
                                onClick={() => setEditing(c)}
                              >
                                <IconPencil size={16} />
                              </ActionIcon>
                            </Tooltip>
                            <Tooltip label={owned ?? 'Delete'}>
                              <ActionIcon
                                variant="subtle"
                                color="red"
                                aria-label={`Delete ${c.name}`}
                                disabled={owned !== undefined}
                                onClick={() => setDeleting(c)}
                              >
                                <IconTrash size={16} />
                              </ActionIcon>
                            </Tooltip>
                          </Group>
                        </Table.Td>
                      </Table.Tr>
                    );
                  })}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
            <Group justify="space-between" p="sm">
              <Text size="sm" c="dimmed">
                {data.pagination.total.toLocaleString()} {t.title.toLowerCase()}
              </Text>
              <Pagination
                total={Math.ceil(data.pagination.total / PAGE)}
                value={page}
                onChange={setPage}
                size="sm"
              />
            </Group>
          </Paper>
        )}
      </QueryContent>
      {editing && <EditModal kind={kind} item={editing} onClose={() => setEditing(null)} />}
      {deleting && <DeleteModal kind={kind} item={deleting} onClose={() => setDeleting(null)} />}
    </Page>
  );
}

function EditModal({
  kind,
  item,
  onClose,
}: {
  kind: Kind;
  item: NamedItem | 'new';
  onClose(): void;
}) {
  const t = TEXT[kind];
  const queryClient = useQueryClient();
  const groups = useCollectionList('groups');
  const extranets = useExtranets();
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const existing = item === 'new' ? null : item;
  const form = useForm({
    initialValues: {
      name: existing?.name ?? '',
      description: existing?.description ?? '',
      parent_id: existing?.parent_id ? String(existing.parent_id) : null,
      extranet_id: existing?.extranet_id ? String(existing.extranet_id) : null,
    },
    validate: { name: (v) => (v.trim() ? null : 'Name is required.') },
  });
  return (
    <Modal
      opened
      onClose={onClose}
      title={existing ? `Edit ${existing.name}` : `Add ${t.one}`}
      centered
    >
      <form
        noValidate
        onSubmit={form.onSubmit((v) => {
          const body = {
            name: v.name.trim(),
            description: v.description.trim(),
            ...(kind === 'groups' ? { parent_id: v.parent_id ? Number(v.parent_id) : null } : {}),
            ...(kind === 'roles'
              ? { extranet_id: v.extranet_id ? Number(v.extranet_id) : null }
              : {}),
          };
          setBusy(true);
          setFailure(null);
          const pending = existing
            ? call(
                client.PATCH(`/api/people/v2/${kind}/{id}`, {
                  params: { path: { id: existing.id } },
                  body,
                }),
              )
            : call(client.POST(`/api/people/v2/${kind}`, { body }));
          pending
            .then(async () => {
              notifications.show({
                color: 'teal',
                message: existing ? 'Saved.' : `The ${t.one} was added.`,
              });
              await queryClient.invalidateQueries({ queryKey: [kind] });
              onClose();
            })
            .catch((err: unknown) => {
              const errors = fieldErrors(err);
              if (Object.keys(errors).length) form.setErrors(errors);
              else if ((err as { type?: string }).type === 'name_taken')
                form.setErrors({ name: messageOf(err) });
              else setFailure(messageOf(err));
            })
            .finally(() => setBusy(false));
        })}
      >
        <Stack>
          {failure && <Failure>{failure}</Failure>}
          <TextInput label="Name" required data-autofocus {...form.getInputProps('name')} />
          <Textarea
            label="Description"
            autosize
            minRows={2}
            {...form.getInputProps('description')}
          />
          {kind === 'groups' && (
            <Select
              label="Inside group"
              placeholder="None (top level)"
              clearable
              searchable
              data={(groups.data?.data ?? [])
                .filter((g) => g.id !== existing?.id)
                .map((g) => ({ value: String(g.id), label: g.name }))}
              {...form.getInputProps('parent_id')}
            />
          )}
          {kind === 'roles' && (
            <Select
              label="Extranet area"
              placeholder="Primary area"
              clearable
              data={(extranets.data?.data ?? []).map((e) => ({
                value: String(e.id),
                label: e.name,
              }))}
              {...form.getInputProps('extranet_id')}
            />
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={busy}>
              {existing ? 'Save' : `Add ${t.one}`}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function DeleteModal({ kind, item, onClose }: { kind: Kind; item: NamedItem; onClose(): void }) {
  const queryClient = useQueryClient();
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  return (
    <Modal opened onClose={onClose} title={`Delete ${item.name}?`} centered>
      <Stack>
        <Text size="sm">
          People keep their accounts; only this {TEXT[kind].one} and its memberships go.
        </Text>
        {failure && <Failure>{failure}</Failure>}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button
            color="red"
            loading={busy}
            onClick={() => {
              setBusy(true);
              call(
                client.DELETE(`/api/people/v2/${kind}/{id}`, { params: { path: { id: item.id } } }),
              )
                .then(async () => {
                  notifications.show({ color: 'teal', message: `${item.name} was deleted.` });
                  await queryClient.invalidateQueries({ queryKey: [kind] });
                  onClose();
                })
                .catch((err: unknown) => setFailure(messageOf(err)))
                .finally(() => setBusy(false));
            }}
          >
            Delete
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
