/**
 * An import's report as the Add/update page shows it: the summary counts and the rows' outcomes,
 * filtered to errors, creates or updates, a page at a time.
 */
import {
  Badge,
  Code,
  Group,
  Pagination,
  Paper,
  SegmentedControl,
  SimpleGrid,
  Table,
  Text,
} from '@mantine/core';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { call, client, type ImportReport } from '../api/client';
import { ErrorState, Loading } from '../components/states';
import { saveBlob } from '../download';
import { showValue } from '../words';

type Action = 'create' | 'update' | 'unchanged' | 'error';
const ACTION_LABEL: Record<Action, string> = {
  create: 'Create',
  update: 'Update',
  unchanged: 'Unchanged',
  error: 'Error',
};
const ACTION_COLOR: Record<Action, string> = {
  create: 'teal',
  update: 'blue',
  unchanged: 'gray',
  error: 'red',
};
const ROWS = 50;

const show = showValue;

export function Summary({ report }: { report: ImportReport }) {
  const s = report.summary;
  if (!s) return null;
  const cell = (label: string, value: number, color: string) => (
    <Paper withBorder p="md" key={label}>
      <Text size="xs" tt="uppercase" fw={700} c="dimmed">
        {label}
      </Text>
      <Text fz={26} fw={650} c={value > 0 ? color : 'dimmed'} className="tabular">
        {value.toLocaleString()}
      </Text>
    </Paper>
  );
  return (
    <SimpleGrid cols={{ base: 2, sm: 5 }} aria-label="Summary">
      {cell('Rows', s.rows, 'dark')}
      {cell(report.applied ? 'Created' : 'To create', s.create, 'teal')}
      {cell(report.applied ? 'Updated' : 'To update', s.update, 'blue')}
      {cell('Unchanged', s.unchanged, 'gray')}
      {cell('Errors', s.error, 'red')}
    </SimpleGrid>
  );
}

export function Outcomes({ report }: { report: ImportReport }) {
  const [filter, setFilter] = useState<'all' | Action>(
    (report.summary?.error ?? 0) > 0 ? 'error' : 'all',
  );
  const [page, setPage] = useState(1);
  const query = {
    offset: (page - 1) * ROWS,
    limit: ROWS,
    ...(filter === 'all' ? {} : { action: filter }),
  };
  const rows = useQuery({
    queryKey: ['imports', report.id, query],
    queryFn: () =>
      call(
        client.GET('/api/people/v2/imports/{id}', { params: { path: { id: report.id }, query } }),
      ),
    placeholderData: keepPreviousData,
  });
  const s = report.summary;
  return (
    <Paper withBorder>
      <Group p="sm" justify="space-between">
        <SegmentedControl
          aria-label="Show rows"
          value={filter}
          onChange={(v) => {
            setFilter(v as 'all' | Action);
            setPage(1);
          }}
          data={[
            { value: 'all', label: `All (${s?.rows ?? 0})` },
            { value: 'error', label: `Errors (${s?.error ?? 0})` },
            { value: 'create', label: `Creates (${s?.create ?? 0})` },
            { value: 'update', label: `Updates (${s?.update ?? 0})` },
            { value: 'unchanged', label: `Unchanged (${s?.unchanged ?? 0})` },
          ]}
        />
      </Group>
      {rows.isPending ? (
        <Loading />
      ) : rows.isError ? (
        <ErrorState error={rows.error} />
      ) : rows.data.outcomes.data.length === 0 ? (
        <Text c="dimmed" size="sm" p="md">
          No rows of this kind.
        </Text>
      ) : (
        <>
          <Table.ScrollContainer minWidth={700}>
            <Table verticalSpacing="xs" aria-label="Rows">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th w={70}>Row</Table.Th>
                  <Table.Th>Username</Table.Th>
                  <Table.Th w={120}>Outcome</Table.Th>
                  <Table.Th>Details</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.data.outcomes.data.map((o) => (
                  <Table.Tr key={o.row}>
                    <Table.Td className="tabular">{o.row}</Table.Td>
                    <Table.Td>
                      {o.person_id && report.applied ? (
                        <Link to={`/users/${o.person_id}`}>{o.username}</Link>
                      ) : (
                        o.username || '—'
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Badge variant="light" color={ACTION_COLOR[o.action]}>
                        {ACTION_LABEL[o.action]}
                      </Badge>
                    </Table.Td>
                    <Table.Td>
                      {o.errors?.map((e) => (
                        <Text size="sm" c="red.8" key={e.column + e.message}>
                          <Code>{e.column}</Code> {e.message}
                        </Text>
                      ))}
                      {o.changes &&
                        Object.entries(o.changes).map(([col, [before, after]]) => (
                          <Text size="sm" key={col}>
                            <Code>{col}</Code>{' '}
                            {o.action === 'create'
                              ? show(after)
                              : `${show(before)} → ${show(after)}`}
                          </Text>
                        ))}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <Group justify="flex-end" p="sm">
            <Pagination
              size="sm"
              total={Math.ceil(rows.data.outcomes.pagination.total / ROWS)}
              value={page}
              onChange={setPage}
            />
          </Group>
        </>
      )}
    </Paper>
  );
}

/** Every outcome of a run, as a CSV the admin can keep. */
export async function downloadReport(report: ImportReport) {
  const lines = ['row,username,outcome,details'];
  const q = (v: string) => `"${v.replace(/"/g, '""')}"`;
  for (let offset = 0; ; offset += 1000) {
    const page = await call(
      client.GET('/api/people/v2/imports/{id}', {
        params: { path: { id: report.id }, query: { offset, limit: 1000 } },
      }),
    );
    for (const o of page.outcomes.data) {
      const details = [
        ...(o.errors ?? []).map((e) => `${e.column}: ${e.message}`),
        ...Object.entries(o.changes ?? {}).map(([c, [b, a]]) => `${c}: ${show(b)} -> ${show(a)}`),
      ].join('; ');
      // A leading quote keeps spreadsheet programs from reading a cell as a formula.
      const safe = (v: string) => (/^[=+\-@\t\r]/.test(v) ? `'${v}` : v);
      lines.push([o.row, q(safe(o.username)), o.action, q(safe(details))].join(','));
    }
    if (!page.outcomes.pagination.next) break;
  }
  saveBlob(
    new Blob(['\ufeff' + lines.join('\r\n') + '\r\n'], { type: 'text/csv' }),
    `import-${report.id}-report.csv`,
  );
}
