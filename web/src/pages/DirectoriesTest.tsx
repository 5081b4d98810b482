/**
 * Test connection: binds with the saved settings, reads one page of the search and shows the
 * first entries as Gatehouse would map them, or the problem in a sentence.
 */
import { Alert, Badge, Button, Code, Paper, Stack, Table, Text } from '@mantine/core';
import { IconCheck, IconPlugConnected } from '@tabler/icons-react';
import { useState } from 'react';
import { call, client, messageOf } from '../api/client';
import { Failure } from '../components/states';
import type { TestResult } from './DirectoriesCommon';
import { targetLabel } from './DirectoriesMapping';

export function TestConnection({ id, unsaved }: { id: number; unsaved: boolean }) {
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<TestResult | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const run = () => {
    setBusy(true);
    setFailure(null);
    setResult(null);
    call(client.POST('/api/people/v2/directories/{id}/test', { params: { path: { id } } }))
      .then(setResult)
      .catch((err: unknown) => setFailure(messageOf(err)))
      .finally(() => setBusy(false));
  };
  return (
    <Stack gap="sm">
      <div>
        <Button
          variant="default"
          leftSection={<IconPlugConnected size={16} />}
          onClick={run}
          loading={busy}
        >
          Test connection
        </Button>
        {unsaved && (
          <Text size="xs" c="dimmed" mt={4}>
            The test uses the saved settings: save your changes first.
          </Text>
        )}
      </div>
      {failure && <Failure title="The test could not run">{failure}</Failure>}
      {result && !result.ok && (
        <Failure title="The directory could not be read">
          {result.error?.message ?? 'The test failed.'}
        </Failure>
      )}
      {result?.ok && <TestSample result={result} />}
    </Stack>
  );
}

function TestSample({ result }: { result: TestResult }) {
  const targets = [...new Set(result.sample.flatMap((s) => Object.keys(s.fields)))];
  return (
    <Stack gap="sm" aria-label="Test result">
      <Alert color="teal" variant="light" icon={<IconCheck size={18} />} title="Connected">
        {result.entries_seen === 1
          ? 'One entry'
          : `${result.entries_seen.toLocaleString()} entries`}{' '}
        on the first page of the search. The first ones, as Gatehouse would map them:
      </Alert>
      {result.missing_attributes.length > 0 && (
        <Alert color="orange" variant="light" title="Attributes no entry has">
          No sampled entry has{' '}
          {result.missing_attributes.map((a, i) => (
            <span key={a}>
              {i > 0 && ', '}
              <Code>{a}</Code>
            </span>
          ))}
          . Check the mapping: a misspelt attribute leaves its field empty.
        </Alert>
      )}
      {result.sample.length > 0 && (
        <Paper withBorder>
          <Table.ScrollContainer minWidth={700}>
            <Table verticalSpacing="xs" aria-label="Sample entries">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Username</Table.Th>
                  <Table.Th>State</Table.Th>
                  {targets.map((t) => (
                    <Table.Th key={t}>{targetLabel(t)}</Table.Th>
                  ))}
                  <Table.Th>Manager</Table.Th>
                  <Table.Th>DN</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {result.sample.map((s) => (
                  <Table.Tr key={s.external_id}>
                    <Table.Td fw={500}>{s.username}</Table.Td>
                    <Table.Td>
                      <Badge size="sm" variant="light" color={s.active ? 'teal' : 'red'}>
                        {s.active ? 'Active' : 'Disabled'}
                      </Badge>
                    </Table.Td>
                    {targets.map((t) => (
                      <Table.Td key={t}>{s.fields[t] ?? '—'}</Table.Td>
                    ))}
                    <Table.Td>
                      <Text size="xs" ff="monospace">
                        {s.manager_dn ?? '—'}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="xs" ff="monospace">
                        {s.dn}
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Paper>
      )}
    </Stack>
  );
}
