/** Audit log: every change and sign-in, newest first, with filters and a CSV export. */
import {
  Badge,
  Button,
  Code,
  Group,
  Pagination,
  Paper,
  Select,
  SimpleGrid,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { IconDownload } from '@tabler/icons-react';
import { useState } from 'react';
import { call, client, messageOf } from '../api/client';
import type { paths } from '../api/schema';
import { Page } from '../components/Page';
import { Empty, ErrorState, Loading } from '../components/states';
import { formatDateTime, showValue } from '../words';
import { notifications } from '@mantine/notifications';
import { downloadResponse } from '../download';
import { plural } from '../plural';

type AuditQuery = NonNullable<paths['/api/people/v2/audit']['get']['parameters']['query']>;
type Filters = Omit<AuditQuery, 'offset' | 'limit'>;
const PAGE = 25;

const GATES = ['console', 'api', 'csv', 'cli', 'ldap', 'scim', 'sso', 'system'];

function describeChange(changes: Record<string, unknown[]> | null): string {
  if (!changes) return '';
  return Object.entries(changes)
    .map(([field, pair]) => {
      const [before, after] = pair;
      const show = showValue;
      return before === null || before === undefined
        ? `${field}: ${show(after)}`
        : `${field}: ${show(before)} → ${show(after)}`;
    })
    .join('; ');
}

export function AuditTable({ filters, compact }: { filters: Filters; compact?: boolean }) {
  const [page, setPage] = useState(1);
  const query: AuditQuery = { ...filters, offset: (page - 1) * PAGE, limit: PAGE };
  const events = useQuery({
    queryKey: ['audit', query],
    queryFn: () => call(client.GET('/api/people/v2/audit', { params: { query } })),
    placeholderData: keepPreviousData,
  });
  if (events.isPending) return <Loading label="Loading the history…" />;
  if (events.isError)
    return <ErrorState error={events.error} onRetry={() => void events.refetch()} />;
  const total = events.data.pagination.total;
  if (total === 0)
    return (
      <Empty title="No events">
        {compact ? 'Nothing has been recorded yet.' : 'No event matches these filters.'}
      </Empty>
    );
  return (
    <>
      <Table.ScrollContainer minWidth={compact ? 600 : 900}>
        <Table verticalSpacing="xs" striped aria-label="Audit events">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>When</Table.Th>
              <Table.Th>Who</Table.Th>
              <Table.Th>Through</Table.Th>
              <Table.Th>What</Table.Th>
              {!compact && <Table.Th>On</Table.Th>}
              <Table.Th>Changes</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {events.data.data.map((e) => (
              <Table.Tr key={e.id}>
                <Table.Td className="tabular" style={{ whiteSpace: 'nowrap' }}>
                  {formatDateTime(e.at)}
                </Table.Td>
                <Table.Td>{e.actor}</Table.Td>
                <Table.Td>
                  <Badge variant="light" color="gray" size="sm">
                    {e.gate}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  <Group gap={6} wrap="nowrap">
                    <Code>{e.action}</Code>
                    {e.outcome !== 'success' && (
                      <Badge color="red" size="xs">
                        {e.outcome}
                      </Badge>
                    )}
                  </Group>
                </Table.Td>
                {!compact && <Table.Td>{e.target ?? e.target_id ?? '—'}</Table.Td>}
                <Table.Td>
                  <Text size="xs" c="dimmed" lineClamp={2} maw={380}>
                    {describeChange(e.changes)}
                  </Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <Group justify="space-between" p="sm">
        <Text size="sm" c="dimmed">
          {plural(total, 'event')}
        </Text>
        <Pagination total={Math.ceil(total / PAGE)} value={page} onChange={setPage} size="sm" />
      </Group>
    </>
  );
}

export function AuditLogPage() {
  const [gate, setGate] = useState<string | null>(null);
  const [action, setAction] = useState('');
  const [outcome, setOutcome] = useState<string | null>(null);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [exporting, setExporting] = useState(false);
  const filters: Filters = {
    ...(gate ? { gate } : {}),
    ...(action.trim() ? { action: action.trim() } : {}),
    ...(outcome ? { outcome: outcome as 'success' | 'failure' } : {}),
    ...(from ? { from: new Date(`${from}T00:00:00`).toISOString() } : {}),
    ...(to ? { to: new Date(`${to}T23:59:59.999`).toISOString() } : {}),
  };
  return (
    <Page
      title="Audit log"
      description="Every change to people, groups, roles and settings, and every sign-in, with who did it and through which way in."
      actions={
        <Button
          variant="default"
          leftSection={<IconDownload size={16} />}
          loading={exporting}
          onClick={() => {
            setExporting(true);
            downloadResponse(
              client.GET('/api/people/v2/audit/export', {
                params: { query: filters },
                parseAs: 'blob',
              }),
              'audit-log.csv',
            )
              .catch((err: unknown) =>
                notifications.show({ color: 'red', message: messageOf(err) }),
              )
              .finally(() => setExporting(false));
          }}
        >
          Export CSV
        </Button>
      }
    >
      <Paper withBorder p="md">
        <SimpleGrid cols={{ base: 1, xs: 2, md: 5 }} spacing="sm">
          <Select
            label="Through"
            placeholder="Any way in"
            clearable
            data={GATES}
            value={gate}
            onChange={setGate}
          />
          <TextInput
            label="Action"
            placeholder="e.g. person.block"
            value={action}
            onChange={(e) => setAction(e.currentTarget.value)}
          />
          <Select
            label="Outcome"
            placeholder="Any"
            clearable
            data={[
              { value: 'success', label: 'Success' },
              { value: 'failure', label: 'Failure' },
            ]}
            value={outcome}
            onChange={setOutcome}
          />
          <TextInput
            label="From"
            type="date"
            value={from}
            onChange={(e) => setFrom(e.currentTarget.value)}
          />
          <TextInput
            label="To"
            type="date"
            value={to}
            onChange={(e) => setTo(e.currentTarget.value)}
          />
        </SimpleGrid>
      </Paper>
      <Paper withBorder>
        <AuditTable key={JSON.stringify(filters)} filters={filters} />
      </Paper>
    </Page>
  );
}
