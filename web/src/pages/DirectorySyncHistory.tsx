/** The history of a directory's sync runs, newest first; a run opens with its per-entry detail. */
import { Button, Group, Modal, Paper, Table, Text, UnstyledButton } from '@mantine/core';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { call, client } from '../api/client';
import { Empty, ErrorState, Loading } from '../components/states';
import { formatDateTime } from '../words';
import { RunStatus, type SyncRun } from './DirectoriesCommon';
import { RunReport } from './DirectorySyncReport';
import { plural } from '../plural';

const PAGE = 20;

export function RunHistory({ directoryId }: { directoryId: number }) {
  const [open, setOpen] = useState<SyncRun | null>(null);
  const runs = useInfiniteQuery({
    queryKey: ['sync-runs', directoryId],
    initialPageParam: undefined as number | undefined,
    queryFn: ({ pageParam }) =>
      call(
        client.GET('/api/people/v2/directories/{id}/runs', {
          params: {
            path: { id: directoryId },
            query: { limit: PAGE, ...(pageParam ? { before: pageParam } : {}) },
          },
        }),
      ),
    getNextPageParam: (last) => (last.next ? last.data.at(-1)?.id : undefined),
  });
  if (runs.isPending) return <Loading />;
  if (runs.isError) return <ErrorState error={runs.error} onRetry={() => void runs.refetch()} />;
  const rows = runs.data.pages.flatMap((p) => p.data);
  if (rows.length === 0)
    return <Empty title="No runs yet">Preview a sync or run one: each run is kept here.</Empty>;
  const summary = (r: SyncRun) => {
    const c = r.counts;
    const parts = [
      c.created && `${c.created} created`,
      c.adopted && `${c.adopted} adopted`,
      c.updated && `${c.updated} updated`,
      c.renamed && `${c.renamed} renamed`,
      c.blocked && `${c.blocked} ${r.status === 'stopped' ? 'would be blocked' : 'blocked'}`,
      c.reactivated && `${c.reactivated} reactivated`,
      c.errors && plural(c.errors, 'error'),
    ].filter(Boolean);
    return parts.length > 0 ? parts.join(', ') : `${c.unchanged.toLocaleString()} unchanged`;
  };
  return (
    <Paper withBorder>
      <Table.ScrollContainer minWidth={700}>
        <Table verticalSpacing="xs" highlightOnHover aria-label="Runs">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Started</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th>How</Table.Th>
              <Table.Th>What it did</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((r) => (
              <Table.Tr key={r.id}>
                <Table.Td>
                  <UnstyledButton
                    onClick={() => setOpen(r)}
                    aria-label={`Run ${r.id}, ${formatDateTime(r.started_at)}`}
                  >
                    <Text size="sm" c="blue" td="underline">
                      {formatDateTime(r.started_at)}
                    </Text>
                  </UnstyledButton>
                </Table.Td>
                <Table.Td>
                  <RunStatus status={r.status} dryRun={r.dry_run} />
                </Table.Td>
                <Table.Td>
                  <Text size="sm">
                    {r.trigger === 'schedule' ? 'Scheduled' : 'Started by hand'}, {r.mode}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" lineClamp={2}>
                    {r.status === 'failed' ? r.stop_reason : summary(r)}
                  </Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {runs.hasNextPage && (
        <Group justify="center" p="sm">
          <Button
            variant="default"
            onClick={() => void runs.fetchNextPage()}
            loading={runs.isFetchingNextPage}
          >
            Show older runs
          </Button>
        </Group>
      )}
      <Modal
        opened={open !== null}
        onClose={() => setOpen(null)}
        title={open ? `Run of ${formatDateTime(open.started_at)}` : ''}
        size="xl"
      >
        {open && <FreshRun run={open} />}
      </Modal>
    </Paper>
  );
}

/** The run as it is now (the list may have been read while it was still running). */
function FreshRun({ run }: { run: SyncRun }) {
  const fresh = useQuery({
    queryKey: ['sync-run', run.directory_id, run.id],
    queryFn: async () => {
      const { items: _items, ...r } = await call(
        client.GET('/api/people/v2/directories/{id}/runs/{run_id}', {
          params: { path: { id: run.directory_id, run_id: run.id }, query: { limit: 1 } },
        }),
      );
      return r;
    },
  });
  if (fresh.isPending) return <Loading />;
  if (fresh.isError) return <ErrorState error={fresh.error} onRetry={() => void fresh.refetch()} />;
  return <RunReport run={fresh.data} />;
}
