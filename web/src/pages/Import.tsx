/**
 * Add/update from CSV file: drop a file, read the dry run (filter to errors, creates,
 * updates), apply with progress, download the final report.
 */
import {
  Alert,
  Badge,
  Button,
  Checkbox,
  Code,
  Group,
  Pagination,
  Paper,
  Progress,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Table,
  Text,
  ThemeIcon,
  Title,
} from '@mantine/core';
import { Dropzone } from '@mantine/dropzone';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  IconCheck,
  IconDownload,
  IconFileSpreadsheet,
  IconUpload,
  IconX,
} from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { call, client, messageOf, type ImportReport } from '../api/client';
import { Page } from '../components/Page';
import { ErrorState, Failure, Loading } from '../components/states';
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

function upload(file: File, mode: 'dry_run' | 'apply', validOnly: boolean) {
  return call(
    client.POST('/api/people/v2/imports', {
      params: {
        query: {
          mode,
          valid_only: validOnly,
          file_name: file.name,
          ...(mode === 'apply' ? { async: true } : {}),
        },
      },
      body: file as never,
      bodySerializer: (b: unknown) => b as File,
      headers: { 'Content-Type': 'text/csv' },
    }),
  );
}

const show = showValue;

function Summary({ report }: { report: ImportReport }) {
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

function Outcomes({ report }: { report: ImportReport }) {
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
async function downloadReport(report: ImportReport) {
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

export function ImportPage() {
  const queryClient = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const [rejected, setRejected] = useState<string | null>(null);
  const [dryRun, setDryRun] = useState<ImportReport | null>(null);
  const [applying, setApplying] = useState<ImportReport | null>(null);
  const [validOnly, setValidOnly] = useState(false);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);

  // Poll the apply run until it finishes.
  const running = applying?.status === 'running';
  useEffect(() => {
    if (!applying || !running) return;
    const timer = setInterval(() => {
      call(
        client.GET('/api/people/v2/imports/{id}', {
          params: { path: { id: applying.id }, query: { limit: 1 } },
        }),
      )
        .then((r) => {
          if (r.status !== 'running') {
            setApplying(r);
            void queryClient.invalidateQueries({ queryKey: ['users'] });
            void queryClient.invalidateQueries({ queryKey: ['overview'] });
          } else setApplying(r);
        })
        .catch((err: unknown) => setFailure(err));
    }, 400);
    return () => clearInterval(timer);
  }, [applying?.id, running]);

  const reset = () => {
    setFile(null);
    setDryRun(null);
    setApplying(null);
    setFailure(null);
    setValidOnly(false);
  };

  const check = (f: File) => {
    setFile(f);
    setDryRun(null);
    setApplying(null);
    setFailure(null);
    setBusy(true);
    upload(f, 'dry_run', false)
      .then((r) => setDryRun(r))
      .catch((err: unknown) => setFailure(err))
      .finally(() => setBusy(false));
  };

  const apply = () => {
    if (!file) return;
    setBusy(true);
    setFailure(null);
    upload(file, 'apply', validOnly)
      .then((r) => setApplying(r))
      .catch((err: unknown) => setFailure(err))
      .finally(() => setBusy(false));
  };

  const s = dryRun?.summary;
  const changes = (s?.create ?? 0) + (s?.update ?? 0);
  const blockedByErrors = (s?.error ?? 0) > 0 && !validOnly;
  const finished = applying && applying.status !== 'running';

  return (
    <Page
      title="Add/update from CSV file"
      description={
        <>
          Add new people and update existing ones from a spreadsheet. The username decides: a known
          username is updated, a new one is created. Start from an <Link to="/export">export</Link>{' '}
          to get the columns right.
        </>
      }
      actions={
        (file || dryRun) && (
          <Button variant="default" onClick={reset}>
            Start again
          </Button>
        )
      }
    >
      {!dryRun && !busy && (
        <Dropzone
          onDrop={(files) => {
            setRejected(null);
            const f = files[0];
            if (f) check(f);
          }}
          onReject={() => setRejected('Choose one CSV file (.csv or .txt).')}
          accept={{
            'text/csv': ['.csv'],
            'text/plain': ['.txt', '.csv'],
            'application/vnd.ms-excel': ['.csv'],
          }}
          multiple={false}
          aria-label="CSV file"
          name="file"
        >
          <Group justify="center" gap="xl" mih={160} style={{ pointerEvents: 'none' }}>
            <Dropzone.Accept>
              <IconUpload size={48} color="var(--mantine-color-blue-6)" />
            </Dropzone.Accept>
            <Dropzone.Reject>
              <IconX size={48} color="var(--mantine-color-red-6)" />
            </Dropzone.Reject>
            <Dropzone.Idle>
              <IconFileSpreadsheet size={48} color="var(--mantine-color-dimmed)" />
            </Dropzone.Idle>
            <div>
              <Text size="lg" fw={600}>
                Drag a CSV file here, or click to choose one
              </Text>
              <Text size="sm" c="dimmed" mt={6}>
                Nothing is changed yet: you will first see what the file would do.
              </Text>
            </div>
          </Group>
        </Dropzone>
      )}
      {rejected && <Failure>{rejected}</Failure>}
      {busy && !applying && (
        <Loading label={dryRun ? 'Starting…' : `Checking ${file?.name ?? 'the file'}…`} />
      )}
      {failure !== null && (
        <Failure title="The file could not be used">{messageOf(failure)}</Failure>
      )}

      {dryRun && !applying && (
        <Stack>
          <Group gap="sm">
            <ThemeIcon variant="light" radius="xl">
              <IconFileSpreadsheet size={16} />
            </ThemeIcon>
            <Title order={2} fz="lg">
              Dry run of {dryRun.file_name ?? 'the file'}: nothing has been changed yet
            </Title>
          </Group>
          <Summary report={dryRun} />
          <Paper withBorder p="md">
            <Stack gap="sm">
              {(s?.error ?? 0) > 0 && (
                <>
                  <Text size="sm">
                    {s?.error === 1 ? 'One row has errors.' : `${s?.error} rows have errors.`} By
                    default a file with errors changes nothing. Fix the file and drop it again, or
                    apply only the valid rows.
                  </Text>
                  <Checkbox
                    label={`Apply the valid rows and skip the ${s?.error === 1 ? 'row' : 'rows'} with errors`}
                    checked={validOnly}
                    onChange={(e) => setValidOnly(e.currentTarget.checked)}
                  />
                </>
              )}
              {changes === 0 ? (
                <Text size="sm" c="dimmed">
                  {(s?.error ?? 0) > 0
                    ? 'No valid row changes anything.'
                    : 'This file changes nothing: everyone is already as it says.'}
                </Text>
              ) : (
                <Group>
                  <Button onClick={apply} disabled={blockedByErrors} loading={busy}>
                    Apply {changes.toLocaleString()} {changes === 1 ? 'change' : 'changes'}
                  </Button>
                  {blockedByErrors && (
                    <Text size="sm" c="dimmed">
                      Fix the errors or choose to apply the valid rows.
                    </Text>
                  )}
                </Group>
              )}
            </Stack>
          </Paper>
          <Outcomes report={dryRun} />
        </Stack>
      )}

      {applying && !finished && (
        <Paper withBorder p="lg" aria-label="Import progress">
          <Stack gap="xs">
            <Text fw={600}>Applying {applying.file_name ?? 'the file'}…</Text>
            <Progress
              value={
                applying.progress.total
                  ? (100 * applying.progress.done) / applying.progress.total
                  : 5
              }
              animated
              aria-label="Progress"
            />
            <Text size="sm" c="dimmed" className="tabular">
              {applying.progress.phase ?? 'Starting'}: {applying.progress.done.toLocaleString()} of{' '}
              {applying.progress.total.toLocaleString()}
            </Text>
          </Stack>
        </Paper>
      )}

      {applying && finished && (
        <Stack>
          {applying.status === 'completed' && applying.applied ? (
            <Alert
              color="teal"
              variant="light"
              icon={<IconCheck size={18} />}
              title="Import applied"
            >
              The changes were saved
              {applying.valid_only && (applying.summary?.error ?? 0) > 0
                ? '; rows with errors were skipped'
                : ''}
              .
            </Alert>
          ) : (
            <Failure title="Nothing was applied">
              {applying.error?.message ?? 'The import did not complete.'}
            </Failure>
          )}
          <Summary report={applying} />
          <Group>
            <Button
              leftSection={<IconDownload size={16} />}
              variant="default"
              onClick={() => void downloadReport(applying)}
            >
              Download report
            </Button>
            <Button component={Link} to="/users" variant="subtle">
              Go to the staff list
            </Button>
          </Group>
          <Outcomes report={applying} />
        </Stack>
      )}
    </Page>
  );
}
