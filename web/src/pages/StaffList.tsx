/** Staff list: search as you type, filters, sorting and paging, all done by the server. */
import {
  Anchor,
  Badge,
  Button,
  Group,
  Pagination,
  Paper,
  Select,
  Table,
  Text,
  TextInput,
  UnstyledButton,
  SimpleGrid,
  LoadingOverlay,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import {
  IconSearch,
  IconSelector,
  IconChevronUp,
  IconChevronDown,
  IconUserPlus,
} from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { call, client } from '../api/client';
import type { paths } from '../api/schema';
import { Page } from '../components/Page';
import { Empty, ErrorState, Loading } from '../components/states';
import { useExtranets, useOverview } from '../lookups';
import { ORIGIN_SHORT, STATE_COLOR, STATE_LABEL, formatDate, fullName } from '../words';
import { plural } from '../plural';

type Query = NonNullable<paths['/api/people/v2/users']['get']['parameters']['query']>;
type Sort = NonNullable<Query['sort']>;
const PAGE_SIZE = 50;

function SortHeader(props: {
  label: string;
  sort: Sort;
  current: Sort;
  order: 'asc' | 'desc';
  onSort(sort: Sort): void;
}) {
  const active = props.current === props.sort;
  const Icon = !active ? IconSelector : props.order === 'asc' ? IconChevronUp : IconChevronDown;
  return (
    <Table.Th aria-sort={active ? (props.order === 'asc' ? 'ascending' : 'descending') : 'none'}>
      <UnstyledButton onClick={() => props.onSort(props.sort)} fw={600} fz="sm">
        <Group gap={4} wrap="nowrap">
          {props.label}
          <Icon size={14} aria-hidden />
        </Group>
      </UnstyledButton>
    </Table.Th>
  );
}

export function StaffListPage() {
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const [search, setSearch] = useState(params.get('q') ?? '');
  const [debounced] = useDebouncedValue(search, 250);
  const extranets = useExtranets();
  const overview = useOverview();

  const get = (k: string) => params.get(k) ?? '';
  const sort = (get('sort') || 'surname') as Sort;
  const order = get('order') === 'desc' ? 'desc' : 'asc';
  const page = Math.max(1, Number(get('page')) || 1);

  const update = (changes: Record<string, string | null>, resetPage = true) =>
    setParams(
      (prev) => {
        const next = new URLSearchParams(prev);
        for (const [k, v] of Object.entries(changes)) {
          if (v) next.set(k, v);
          else next.delete(k);
        }
        if (resetPage) next.delete('page');
        return next;
      },
      { replace: true },
    );

  useEffect(() => {
    if (debounced.trim() !== (params.get('q') ?? '')) update({ q: debounced.trim() || null });
    // Only the debounced text drives the URL.
  }, [debounced]);

  const query: Query = {
    offset: (page - 1) * PAGE_SIZE,
    limit: PAGE_SIZE,
    sort,
    order,
    ...(get('q') ? { q: get('q') } : {}),
    ...(get('state') ? { state: get('state') as Query['state'] } : {}),
    ...(get('directory') ? { directory: get('directory') } : {}),
    ...(get('origin') ? { origin: get('origin') as Query['origin'] } : {}),
    ...(get('department') ? { department: get('department') } : {}),
    ...(get('extranet') ? { extranet: get('extranet') } : {}),
  };
  const people = useQuery({
    queryKey: ['users', query],
    queryFn: () => call(client.GET('/api/people/v2/users', { params: { query } })),
    placeholderData: keepPreviousData,
  });

  const onSort = (s: Sort) =>
    update({ sort: s, order: s === sort && order === 'asc' ? 'desc' : 'asc' });
  const filtered = ['q', 'state', 'directory', 'origin', 'department', 'extranet'].some((k) =>
    params.get(k),
  );
  const total = people.data?.pagination.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));

  const directoryOptions = [
    { value: 'local', label: 'Local accounts' },
    ...(overview.data?.ways_in.directories.list ?? []).map((d) => ({
      value: String(d.id),
      label: d.name,
    })),
  ];
  const extranetOptions = [
    { value: 'primary', label: 'Primary area' },
    ...(extranets.data?.data ?? []).map((e) => ({ value: String(e.id), label: e.name })),
  ];

  return (
    <Page
      title="Staff list"
      description="Everyone with an account, blocked people included. Search by name, username or email."
      actions={
        <Button component={Link} to="/users/new" leftSection={<IconUserPlus size={16} />}>
          Add a new user
        </Button>
      }
    >
      <Paper withBorder p="md">
        <TextInput
          label="Search people"
          placeholder="Name, username or email"
          leftSection={<IconSearch size={16} />}
          value={search}
          onChange={(e) => setSearch(e.currentTarget.value)}
          mb="sm"
        />
        <SimpleGrid cols={{ base: 1, xs: 2, md: 5 }} spacing="sm">
          <Select
            label="State"
            placeholder="Any state"
            clearable
            data={Object.entries(STATE_LABEL).map(([value, label]) => ({ value, label }))}
            value={get('state') || null}
            onChange={(v) => update({ state: v })}
          />
          <Select
            label="Directory"
            placeholder="Any"
            clearable
            data={directoryOptions}
            value={get('directory') || null}
            onChange={(v) => update({ directory: v })}
          />
          <Select
            label="Origin"
            placeholder="Any origin"
            clearable
            data={Object.entries(ORIGIN_SHORT).map(([value, label]) => ({ value, label }))}
            value={get('origin') || null}
            onChange={(v) => update({ origin: v })}
          />
          <TextInput
            label="Department"
            placeholder="Exact name"
            defaultValue={get('department')}
            onBlur={(e) => update({ department: e.currentTarget.value.trim() || null })}
            onKeyDown={(e) => {
              if (e.key === 'Enter') update({ department: e.currentTarget.value.trim() || null });
            }}
          />
          <Select
            label="Extranet area"
            placeholder="Any area"
            clearable
            data={extranetOptions}
            value={get('extranet') || null}
            onChange={(v) => update({ extranet: v })}
          />
        </SimpleGrid>
      </Paper>

      {people.isError ? (
        <ErrorState error={people.error} onRetry={() => void people.refetch()} />
      ) : people.isPending ? (
        <Loading label="Loading people…" />
      ) : total === 0 ? (
        <Empty
          title={filtered ? 'Nobody matches' : 'No people yet'}
          action={
            filtered ? (
              <Button
                variant="light"
                onClick={() => {
                  setSearch('');
                  setParams(new URLSearchParams(), { replace: true });
                }}
              >
                Clear search and filters
              </Button>
            ) : (
              <Button component={Link} to="/users/new">
                Add a new user
              </Button>
            )
          }
        >
          {filtered
            ? 'No one matches this search and these filters.'
            : 'Add people one by one, or many at once from a CSV file.'}
        </Empty>
      ) : (
        <Paper withBorder pos="relative">
          <LoadingOverlay
            visible={people.isFetching && people.isPlaceholderData}
            overlayProps={{ blur: 0, backgroundOpacity: 0.4 }}
            loaderProps={{ size: 'sm' }}
          />
          <Table.ScrollContainer minWidth={800}>
            <Table highlightOnHover verticalSpacing="sm" aria-label="People">
              <Table.Thead>
                <Table.Tr>
                  <SortHeader
                    label="Name"
                    sort="surname"
                    current={sort}
                    order={order}
                    onSort={onSort}
                  />
                  <SortHeader
                    label="Username"
                    sort="username"
                    current={sort}
                    order={order}
                    onSort={onSort}
                  />
                  <Table.Th>Email</Table.Th>
                  <SortHeader
                    label="Department"
                    sort="department"
                    current={sort}
                    order={order}
                    onSort={onSort}
                  />
                  <Table.Th>State</Table.Th>
                  <Table.Th>Origin</Table.Th>
                  <SortHeader
                    label="Last login"
                    sort="last_login_at"
                    current={sort}
                    order={order}
                    onSort={onSort}
                  />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {people.data.data.map((p) => (
                  <Table.Tr
                    key={p.id}
                    className="row-link"
                    onClick={(e) => {
                      if ((e.target as HTMLElement).closest('a')) return;
                      void navigate(`/users/${p.id}`);
                    }}
                  >
                    <Table.Td>
                      <Anchor component={Link} to={`/users/${p.id}`} fw={500}>
                        {fullName(p) || p.username}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>{p.username}</Table.Td>
                    <Table.Td>
                      <Text size="sm" truncate maw={240}>
                        {p.email}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      {p.department || (
                        <Text c="dimmed" size="sm">
                          —
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Badge variant="light" color={STATE_COLOR[p.state]}>
                        {STATE_LABEL[p.state]}
                      </Badge>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">
                        {ORIGIN_SHORT[p.origin ?? ''] ?? p.origin}
                        {p.directory_id !== null && (
                          <Text span c="dimmed" size="xs">
                            {' '}
                            · synced
                          </Text>
                        )}
                      </Text>
                    </Table.Td>
                    <Table.Td className="tabular">{formatDate(p.last_login_at)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <Group
            justify="space-between"
            p="sm"
            style={{ borderTop: '1px solid var(--mantine-color-gray-3)' }}
          >
            <Text size="sm" c="dimmed" className="tabular" aria-live="polite">
              {(page - 1) * PAGE_SIZE + 1}–{Math.min(page * PAGE_SIZE, total)} of{' '}
              {plural(total, 'person', 'people')}
            </Text>
            <Pagination
              total={pages}
              value={page}
              onChange={(n) => update({ page: String(n) }, false)}
              size="sm"
              getControlProps={(control) => ({
                'aria-label':
                  control === 'next'
                    ? 'Next page'
                    : control === 'previous'
                      ? 'Previous page'
                      : control,
              })}
            />
          </Group>
        </Paper>
      )}
    </Page>
  );
}
