/**
 * Synchronize/Update users from user directory (the People menu): pick a directory, preview
 * a dry run, run it now with progress (async run, polled until it ends), confirm a run the
 * safety stop held back, and read the history of runs.
 */
import { Button, Group, Paper, Progress, Select, Stack, Text } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { IconEye, IconPlayerPlay } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { call, client, messageOf } from '../api/client';
import { Page } from '../components/Page';
import { QueryContent } from '../components/QueryContent';
import { Section } from '../components/Section';
import { Empty, Failure } from '../components/states';
import {
  lastRunSentence,
  scheduleSentence,
  useDirectories,
  type Directory,
  type SyncRun,
} from './DirectoriesCommon';
import { RunHistory } from './DirectorySyncHistory';
import { RunReport } from './DirectorySyncReport';

export function DirectorySyncPage() {
  const directories = useDirectories();
  const [params, setParams] = useSearchParams();
  return (
    <Page
      title="Synchronize/Update users from user directory"
      description="Bring accounts up to date with a user directory: new entries are created, changed ones updated, and people gone from the directory blocked (never deleted). Preview first: a dry run changes nothing."
    >
      <QueryContent
        query={directories}
        isEmpty={(d) => d.data.length === 0}
        empty={
          <Empty title="No user directories yet">
            A sysadmin adds one under <Link to="/directories">User directories</Link>.
          </Empty>
        }
      >
        {(data) => {
          const wanted = Number(params.get('directory'));
          const chosen =
            data.data.find((d) => d.id === wanted) ??
            (data.data.length === 1 ? data.data[0] : undefined);
          return (
            <Stack>
              <Select
                label="User directory"
                placeholder="Choose a directory"
                data={data.data.map((d) => ({ value: String(d.id), label: d.name }))}
                value={chosen ? String(chosen.id) : null}
                onChange={(v) => setParams(v ? { directory: v } : {})}
                allowDeselect={false}
                maw={420}
              />
              {chosen && <SyncDirectory key={chosen.id} directory={chosen} />}
            </Stack>
          );
        }}
      </QueryContent>
    </Page>
  );
}

function SyncDirectory({ directory: d }: { directory: Directory }) {
  const queryClient = useQueryClient();
  const [run, setRun] = useState<SyncRun | null>(null);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const running = run?.status === 'running';

  // Poll the run until it ends, then refresh what it may have changed.
  useEffect(() => {
    if (!run || !running) return;
    const timer = setInterval(() => {
      call(
        client.GET('/api/people/v2/directories/{id}/runs/{run_id}', {
          params: { path: { id: d.id, run_id: run.id }, query: { limit: 1 } },
        }),
      )
        .then(({ items: _items, ...r }) => {
          setRun(r);
          if (r.status !== 'running')
            for (const key of ['directories', 'sync-runs', 'users', 'overview'])
              void queryClient.invalidateQueries({ queryKey: [key] });
        })
        .catch((err: unknown) => setFailure(messageOf(err)));
    }, 500);
    return () => clearInterval(timer);
  }, [run?.id, running]);

  const start = (dryRun: boolean, confirmMassBlock = false) => {
    setBusy(true);
    setFailure(null);
    call(
      client.POST('/api/people/v2/directories/{id}/sync', {
        params: { path: { id: d.id }, query: { async: true } },
        body: { dry_run: dryRun, confirm_mass_block: confirmMassBlock },
      }),
    )
      .then((r) => {
        setRun(r);
        void queryClient.invalidateQueries({ queryKey: ['sync-runs', d.id] });
      })
      .catch((err: unknown) => setFailure(messageOf(err)))
      .finally(() => setBusy(false));
  };

  return (
    <Stack>
      <Text size="sm" c="dimmed">
        {d.accounts === 1 ? 'Owns one account' : `Owns ${d.accounts.toLocaleString()} accounts`}.
        Schedule: {scheduleSentence(d.schedule)}. Last run: {lastRunSentence(d)}.
      </Text>
      <Group>
        <Button
          variant="default"
          leftSection={<IconEye size={16} />}
          onClick={() => start(true)}
          loading={busy}
          disabled={running}
        >
          Preview (dry run)
        </Button>
        <Button
          leftSection={<IconPlayerPlay size={16} />}
          onClick={() => start(false)}
          loading={busy}
          disabled={running}
        >
          Run now
        </Button>
      </Group>
      {failure && <Failure title="The sync could not start">{failure}</Failure>}
      {run && running && (
        <Paper withBorder p="lg" aria-label="Sync progress">
          <Stack gap="xs">
            <Text fw={600}>
              {run.dry_run ? 'Previewing' : 'Synchronizing'} “{d.name}”…
            </Text>
            <Progress value={100} animated aria-label="Progress" />
            <Text size="sm" c="dimmed">
              Reading the directory and comparing every entry. You can leave this page: the run goes
              on and its report is kept in the history.
            </Text>
          </Stack>
        </Paper>
      )}
      {run && !running && (
        <RunReport run={run} busy={busy} onConfirmBlock={() => start(false, true)} />
      )}
      <Section title="History of runs">
        <RunHistory directoryId={d.id} />
      </Section>
    </Stack>
  );
}
