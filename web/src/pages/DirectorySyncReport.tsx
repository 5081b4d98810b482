/**
 * A sync run's report: its status and sentence, the counts, who the safety stop kept from
 * being blocked (with "Confirm and block"), and the per-entry items filtered by action, as
 * the CSV import's preview shows its rows.
 */
import {
  Alert,
  Badge,
  Button,
  Code,
  Group,
  Paper,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Table,
  Text,
} from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import { IconAlertTriangle, IconCheck } from '@tabler/icons-react';
import { useState } from 'react';
import { Link } from 'react-router';
import { call, client } from '../api/client';
import { ErrorState, Failure, Loading } from '../components/states';
import { formatDateTime, showValue } from '../words';
import {
  COUNT_COLOR,
  COUNT_KEYS,
  COUNT_LABEL,
  COUNT_LABEL_DRY,
  RunStatus,
  countOfAction,
  type CountKey,
  type SyncRun,
} from './DirectoriesCommon';
import { GROUP_ACTION, GroupPart } from './DirectorySyncGroups';

const PAGE = 100;

function Counts({ run }: { run: SyncRun }) {
  const labels = run.dry_run ? COUNT_LABEL_DRY : COUNT_LABEL;
  return (
    <SimpleGrid cols={{ base: 2, sm: 4 }} aria-label="Counts">
      {COUNT_KEYS.map((k) => (
        <Paper withBorder p="sm" key={k} aria-label={`${labels[k]}: ${run.counts[k]}`}>
          <Text size="xs" tt="uppercase" fw={700} c="dimmed">
            {labels[k]}
          </Text>
          <Text
            fz={24}
            fw={650}
            c={run.counts[k] > 0 ? COUNT_COLOR[k] : 'dimmed'}
            className="tabular"
          >
            {run.counts[k].toLocaleString()}
          </Text>
        </Paper>
      ))}
    </SimpleGrid>
  );
}

function Outcome({ run }: { run: SyncRun }) {
  if (run.status === 'running') return null;
  if (run.status === 'completed')
    return (
      <Alert
        color="teal"
        variant="light"
        icon={<IconCheck size={18} />}
        title={run.dry_run ? 'Dry run: nothing has been changed' : 'Sync completed'}
      >
        {run.dry_run
          ? 'This is what a run now would do.'
          : `Finished ${formatDateTime(run.finished_at)}.`}
        {run.counts.errors > 0 &&
          ` ${run.counts.errors === 1 ? 'One entry' : `${run.counts.errors} entries`} could not be synced: see the errors below.`}
      </Alert>
    );
  if (run.status === 'stopped')
    return (
      <Alert
        color="orange"
        variant="light"
        icon={<IconAlertTriangle size={18} />}
        title="Stopped by the safety rule: nobody was blocked"
        role="alert"
      >
        {run.stop_reason}
      </Alert>
    );
  return (
    <Failure title={run.status === 'failed' ? 'The sync failed' : 'The sync was interrupted'}>
      {run.stop_reason ?? 'The run did not finish; the next run completes the work.'}
    </Failure>
  );
}

function WouldBlock({
  run,
  onConfirm,
  busy,
}: {
  run: SyncRun;
  onConfirm?: () => void;
  busy: boolean;
}) {
  if (run.would_block.length === 0) return null;
  return (
    <Paper withBorder p="md" aria-label="Who would be blocked">
      <Stack gap="sm">
        <Text fw={600}>
          {run.would_block.length === 1
            ? 'One account would be blocked'
            : `${run.would_block.length.toLocaleString()} accounts would be blocked`}
        </Text>
        <Group gap={6}>
          {run.would_block.map((p) => (
            <Badge
              key={p.person_id}
              component={Link}
              to={`/users/${p.person_id}`}
              variant="light"
              color="red"
              style={{ cursor: 'pointer', textTransform: 'none' }}
            >
              {p.username}
            </Badge>
          ))}
        </Group>
        {run.status === 'stopped' && onConfirm && (
          <Group>
            <Button color="red" onClick={onConfirm} loading={busy}>
              Confirm and block
            </Button>
            <Text size="sm" c="dimmed">
              Runs the sync again and blocks them, if these people really left.
            </Text>
          </Group>
        )}
      </Stack>
    </Paper>
  );
}

type CountFilter = 'all' | Exclude<CountKey, 'unchanged'>;
type Filter = CountFilter | 'groups';
const FILTERS: CountFilter[] = [
  'all',
  'errors',
  'created',
  'adopted',
  'updated',
  'renamed',
  'blocked',
  'reactivated',
];

function Items({ run }: { run: SyncRun }) {
  const [filter, setFilter] = useState<Filter>(run.counts.errors > 0 ? 'errors' : 'all');
  const action = filter === 'all' ? undefined : filter === 'errors' ? 'error' : filter;
  const items = useInfiniteQuery({
    queryKey: ['sync-run-items', run.directory_id, run.id, action],
    initialPageParam: 0,
    queryFn: ({ pageParam }) =>
      call(
        client.GET('/api/people/v2/directories/{id}/runs/{run_id}', {
          params: {
            path: { id: run.directory_id, run_id: run.id },
            query: { after: pageParam, limit: PAGE, ...(action ? { action } : {}) },
          },
        }),
      ),
    getNextPageParam: (last) =>
      last.items.next ? (last.items.data.at(-1)?.seq ?? undefined) : undefined,
  });
  const labels = run.dry_run ? COUNT_LABEL_DRY : COUNT_LABEL;
  const total = COUNT_KEYS.filter((k) => k !== 'unchanged').reduce((n, k) => n + run.counts[k], 0);
  const rows = items.data?.pages.flatMap((p) => p.items.data) ?? [];
  return (
    <Paper withBorder>
      <Group p="sm">
        <SegmentedControl
          aria-label="Show entries"
          value={filter}
          onChange={(v) => setFilter(v as Filter)}
          data={[
            ...FILTERS.map((f) => ({
              value: f,
              label: `${f === 'all' ? 'All' : labels[f]} (${(f === 'all' ? total : run.counts[f]).toLocaleString()})`,
            })),
            // Group items: one per group changed or refused (member changes are one item a group).
            ...(run.groups ? [{ value: 'groups', label: 'Groups' }] : []),
          ]}
        />
      </Group>
      {items.isPending ? (
        <Loading />
      ) : items.isError ? (
        <ErrorState error={items.error} onRetry={() => void items.refetch()} />
      ) : rows.length === 0 ? (
        <Text c="dimmed" size="sm" p="md">
          No entries of this kind. Unchanged entries are counted, not listed.
        </Text>
      ) : (
        <>
          <Table.ScrollContainer minWidth={700}>
            <Table verticalSpacing="xs" aria-label="Entries">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Entry</Table.Th>
                  <Table.Th w={130}>Outcome</Table.Th>
                  <Table.Th>Details</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((it) => {
                  const k = countOfAction(it.action);
                  const group = GROUP_ACTION[it.action];
                  return (
                    <Table.Tr key={it.seq}>
                      <Table.Td>
                        <Text size="sm" ff="monospace">
                          {it.person_id && !run.dry_run ? (
                            <Link to={`/users/${it.person_id}`}>{it.entry}</Link>
                          ) : (
                            it.entry
                          )}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Badge variant="light" color={group?.color ?? COUNT_COLOR[k]}>
                          {group?.label ?? labels[k]}
                        </Badge>
                      </Table.Td>
                      <Table.Td>
                        {it.error && (
                          <Text size="sm" c="red.8">
                            {it.error}
                          </Text>
                        )}
                        {it.changes &&
                          Object.entries(it.changes).map(([field, [before, after]]) => (
                            <Text size="sm" key={field}>
                              <Code>{field}</Code>{' '}
                              {it.action === 'created' || it.action === 'group_created'
                                ? showValue(after)
                                : `${showValue(before)} → ${showValue(after)}`}
                            </Text>
                          ))}
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          {items.hasNextPage && (
            <Group justify="center" p="sm">
              <Button
                variant="default"
                onClick={() => void items.fetchNextPage()}
                loading={items.isFetchingNextPage}
              >
                Show more
              </Button>
            </Group>
          )}
        </>
      )}
    </Paper>
  );
}

export function RunReport({
  run,
  onConfirmBlock,
  busy = false,
}: {
  run: SyncRun;
  onConfirmBlock?: () => void;
  busy?: boolean;
}) {
  return (
    <Stack aria-label={`Run ${run.id}`}>
      <Group gap="sm">
        <RunStatus status={run.status} dryRun={run.dry_run} />
        <Text size="sm" c="dimmed">
          Run {run.id}, {run.mode} ({run.trigger}), started {formatDateTime(run.started_at)}
        </Text>
      </Group>
      <Outcome run={run} />
      <Counts run={run} />
      <GroupPart run={run} />
      <WouldBlock
        run={run}
        busy={busy}
        {...(onConfirmBlock ? { onConfirm: onConfirmBlock } : {})}
      />
      {run.status !== 'running' && <Items run={run} />}
    </Stack>
  );
}
