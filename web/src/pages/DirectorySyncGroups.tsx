/**
 * The group part of a sync run's report: what the run did to the directory's groups (made,
 * renamed, members added and removed, nesting, removed), or why it changed none.
 */
import { Alert, Paper, SimpleGrid, Stack, Text } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import type { SyncRun } from './DirectoriesCommon';

type GroupCounts = NonNullable<SyncRun['groups']>;
type GroupCountKey = keyof GroupCounts;

const KEYS: GroupCountKey[] = [
  'created',
  'renamed',
  'members_added',
  'members_removed',
  'nesting_changed',
  'removed',
  'errors',
];
const LABEL: Record<GroupCountKey, [done: string, dry: string]> = {
  created: ['Groups created', 'Groups to create'],
  renamed: ['Groups renamed', 'Groups to rename'],
  members_added: ['Members added', 'Members to add'],
  members_removed: ['Members removed', 'Members to remove'],
  nesting_changed: ['Nesting changed', 'Nesting to change'],
  removed: ['Groups removed', 'Groups to remove'],
  errors: ['Group errors', 'Group errors'],
};

/** Labels of the group part's item actions, for the entries table. */
export const GROUP_ACTION: Record<string, { label: string; color: string }> = {
  group_created: { label: 'Group created', color: 'teal' },
  group_renamed: { label: 'Group renamed', color: 'indigo' },
  group_members: { label: 'Members', color: 'blue' },
  group_nesting: { label: 'Nesting', color: 'cyan' },
  group_removed: { label: 'Group removed', color: 'orange' },
  group_error: { label: 'Group error', color: 'red' },
};

export function GroupPart({ run }: { run: SyncRun }) {
  if (!run.groups && !run.group_error) return null;
  return (
    <Stack gap="xs" aria-label="Groups">
      <Text fw={600}>Groups</Text>
      {run.group_error && (
        <Alert color="orange" variant="light" icon={<IconAlertTriangle size={18} />} role="alert">
          {run.group_error}
        </Alert>
      )}
      {run.groups && (
        <SimpleGrid cols={{ base: 2, sm: 4 }} aria-label="Group counts">
          {KEYS.map((k) => {
            const label = LABEL[k][run.dry_run ? 1 : 0];
            const n = run.groups?.[k] ?? 0;
            return (
              <Paper withBorder p="sm" key={k} aria-label={`${label}: ${n}`}>
                <Text size="xs" tt="uppercase" fw={700} c="dimmed">
                  {label}
                </Text>
                <Text
                  fz={24}
                  fw={650}
                  c={n > 0 ? (k === 'errors' ? 'red' : 'blue') : 'dimmed'}
                  className="tabular"
                >
                  {n.toLocaleString()}
                </Text>
              </Paper>
            );
          })}
        </SimpleGrid>
      )}
    </Stack>
  );
}
