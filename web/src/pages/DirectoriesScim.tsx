/**
 * A SCIM directory's connection on its page (sysadmins): the SCIM URL and bearer token to
 * give Okta or Entra ID, a new token (shown once, with copy buttons; the old one keeps
 * working for an hour so the IdP can be switched over), revoking every token, and the log
 * of recent SCIM requests with the error sentence, so an administrator can see why the
 * identity provider reports a failure.
 */
import { Alert, Badge, Button, Code, Group, Modal, Paper, Stack, Table, Text } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { IconAlertTriangle, IconKey, IconRefresh } from '@tabler/icons-react';
import { useState } from 'react';
import { call, client, messageOf } from '../api/client';
import { CopyValue } from '../components/CopyValue';
import { QueryContent } from '../components/QueryContent';
import { Empty, Failure } from '../components/states';
import { formatDateTime } from '../words';

export interface IssuedToken {
  scim_url: string;
  token: string;
}

/**
 * A token made by the add-directory dialog, handed to the directory's page once: kept in
 * memory only (never in the URL or history state), and forgotten when the page takes it.
 */
const handOver = new Map<number, IssuedToken>();
export function handOverToken(directoryId: number, issued: IssuedToken): void {
  handOver.set(directoryId, issued);
}
function takeToken(directoryId: number): IssuedToken | null {
  const issued = handOver.get(directoryId) ?? null;
  handOver.delete(directoryId);
  return issued;
}

function NewToken({ issued, onDone }: { issued: IssuedToken; onDone(): void }) {
  return (
    <Alert
      color="yellow"
      variant="light"
      icon={<IconAlertTriangle size={18} />}
      title="The new SCIM token"
    >
      <Stack gap="xs">
        <Text size="sm">
          Copy it now into the identity provider&apos;s provisioning settings (Okta: API Token;
          Entra ID: Secret Token): it will not be shown again.
        </Text>
        <CopyValue label="New SCIM token" value={issued.token} />
        <Button size="xs" variant="subtle" w="fit-content" onClick={onDone}>
          I have stored it
        </Button>
      </Stack>
    </Alert>
  );
}

export function ScimConnection({ id }: { id: number }) {
  const queryClient = useQueryClient();
  const [issued, setIssued] = useState<IssuedToken | null>(() => takeToken(id));
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const [revoking, setRevoking] = useState(false);
  const status = useQuery({
    queryKey: ['directories', id, 'token'],
    queryFn: () =>
      call(client.GET('/api/people/v2/directories/{id}/token', { params: { path: { id } } })),
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['directories', id, 'token'] });

  const rotate = () => {
    setBusy(true);
    setFailure(null);
    call(
      client.POST('/api/people/v2/directories/{id}/token', {
        params: { path: { id } },
        body: {},
      }),
    )
      .then((t) => {
        setIssued(t);
        void refresh();
      })
      .catch((err: unknown) => setFailure(messageOf(err)))
      .finally(() => setBusy(false));
  };
  const revoke = () => {
    setBusy(true);
    setFailure(null);
    call(client.DELETE('/api/people/v2/directories/{id}/token', { params: { path: { id } } }))
      .then(() => {
        setIssued(null);
        setRevoking(false);
        void refresh();
      })
      .catch((err: unknown) => setFailure(messageOf(err)))
      .finally(() => setBusy(false));
  };

  return (
    <Stack>
      {failure && <Failure>{failure}</Failure>}
      {issued && <NewToken issued={issued} onDone={() => setIssued(null)} />}
      <QueryContent query={status} isEmpty={() => false} empty={null}>
        {(s) => (
          <Stack gap="sm">
            <div>
              <Text size="sm" fw={500} mb={4}>
                SCIM URL
              </Text>
              <Text size="xs" c="dimmed" mb={4}>
                Okta: SCIM connector base URL; Entra ID: Tenant URL. Users are created, changed,
                deactivated and removed by the identity provider; each field mapped below is
                read-only in Gatehouse.
              </Text>
              <CopyValue label="SCIM URL" value={s.scim_url} />
            </div>
            <Table aria-label="SCIM tokens" withTableBorder>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Token</Table.Th>
                  <Table.Th>Made</Table.Th>
                  <Table.Th>Last used</Table.Th>
                  <Table.Th>Stops working</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {s.tokens.length === 0 && (
                  <Table.Tr>
                    <Table.Td colSpan={4}>
                      <Text size="sm" c="dimmed">
                        No live token: the identity provider&apos;s requests are refused until a new
                        one is made.
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                )}
                {s.tokens.map((t) => (
                  <Table.Tr key={`${t.prefix}-${t.created_at}`}>
                    <Table.Td>
                      <Code>{t.prefix}…</Code>
                    </Table.Td>
                    <Table.Td>{formatDateTime(t.created_at)}</Table.Td>
                    <Table.Td>{t.last_used_at ? formatDateTime(t.last_used_at) : 'Never'}</Table.Td>
                    <Table.Td>
                      {t.expires_at ? formatDateTime(t.expires_at) : 'When replaced'}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            <Group>
              <Button leftSection={<IconKey size={16} />} loading={busy} onClick={rotate}>
                Make a new token
              </Button>
              <Button
                variant="light"
                color="red"
                disabled={s.tokens.length === 0}
                onClick={() => setRevoking(true)}
              >
                Revoke all tokens
              </Button>
            </Group>
            <Text size="xs" c="dimmed">
              A new token replaces the current one, which keeps working for 60 minutes so the
              identity provider can be switched over without failed requests.
            </Text>
          </Stack>
        )}
      </QueryContent>
      <Modal opened={revoking} onClose={() => setRevoking(false)} title="Revoke every SCIM token?">
        <Stack>
          <Text size="sm">
            The identity provider&apos;s requests fail at once until you make a new token and give
            it to the identity provider. Accounts stay as they are.
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setRevoking(false)}>
              Cancel
            </Button>
            <Button color="red" loading={busy} onClick={revoke}>
              Revoke
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}

function statusColor(status: number): string {
  if (status >= 500) return 'red';
  if (status >= 400) return 'orange';
  return 'teal';
}

export function ScimRequestLog({ id }: { id: number }) {
  const log = useQuery({
    queryKey: ['directories', id, 'scim-log'],
    queryFn: () =>
      call(
        client.GET('/api/people/v2/directories/{id}/scim-log', {
          params: { path: { id }, query: { limit: 100 } },
        }),
      ),
  });
  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Text size="sm" c="dimmed">
          The newest 100 of the requests the identity provider made with this directory&apos;s
          token, with the sentence of each refused one.
        </Text>
        <Button
          size="xs"
          variant="light"
          leftSection={<IconRefresh size={14} />}
          loading={log.isFetching}
          onClick={() => void log.refetch()}
        >
          Refresh
        </Button>
      </Group>
      <QueryContent
        query={log}
        isEmpty={(d) => d.data.length === 0}
        empty={
          <Empty title="No SCIM requests yet">
            Requests appear here once the identity provider uses the URL and token above.
          </Empty>
        }
      >
        {(d) => (
          <Paper withBorder>
            <Table.ScrollContainer minWidth={700}>
              <Table aria-label="SCIM requests" verticalSpacing="xs">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Time</Table.Th>
                    <Table.Th>Request</Table.Th>
                    <Table.Th>Status</Table.Th>
                    <Table.Th>Error</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {d.data.map((r) => (
                    <Table.Tr key={r.id}>
                      <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatDateTime(r.at)}</Table.Td>
                      <Table.Td>
                        <Text size="sm" ff="monospace" style={{ wordBreak: 'break-all' }}>
                          {r.method} {r.path}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Badge variant="light" color={statusColor(r.status)}>
                          {r.status}
                        </Badge>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm">{r.error ?? ''}</Text>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          </Paper>
        )}
      </QueryContent>
    </Stack>
  );
}
