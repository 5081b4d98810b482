/**
 * Add/update from CSV file: drop a file, read the dry run (filter to errors, creates,
 * updates), apply with progress, download the final report.
 */
import {
  Alert,
  Button,
  Checkbox,
  Group,
  Paper,
  Progress,
  Stack,
  Text,
  ThemeIcon,
  Title,
} from '@mantine/core';
import { Dropzone } from '@mantine/dropzone';
import { useQueryClient } from '@tanstack/react-query';
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
import { Failure, Loading } from '../components/states';
import { Summary, Outcomes, downloadReport } from './ImportReport';

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
