/**
 * Retiring a directory: delete it, which the server refuses while it owns accounts; then
 * offer "Release accounts" (they become local accounts, keeping id, fields and history) with
 * a confirmation, after which the delete goes through.
 */
import { Button, Group, Modal, Stack, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQueryClient } from '@tanstack/react-query';
import { IconTrash } from '@tabler/icons-react';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { ApiError, call, client, messageOf } from '../api/client';
import { Failure } from '../components/states';
import type { Directory } from './DirectoriesCommon';

export function DeleteDirectory({ directory }: { directory: Directory }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [confirming, setConfirming] = useState<'delete' | 'release' | null>(null);
  const [busy, setBusy] = useState(false);
  const [refusal, setRefusal] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const id = directory.id;
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: ['directories'] }),
      queryClient.invalidateQueries({ queryKey: ['overview'] }),
      queryClient.invalidateQueries({ queryKey: ['users'] }),
    ]);

  const remove = () => {
    setBusy(true);
    setFailure(null);
    call(client.DELETE('/api/people/v2/directories/{id}', { params: { path: { id } } }))
      .then(async () => {
        setConfirming(null);
        notifications.show({ color: 'teal', message: `“${directory.name}” was deleted.` });
        await refresh();
        await navigate('/directories');
      })
      .catch((err: unknown) => {
        setConfirming(null);
        if (err instanceof ApiError && err.type === 'directory_owns_accounts')
          setRefusal(err.message);
        else setFailure(messageOf(err));
      })
      .finally(() => setBusy(false));
  };

  const release = () => {
    setBusy(true);
    setFailure(null);
    call(client.POST('/api/people/v2/directories/{id}/release', { params: { path: { id } } }))
      .then(async (r) => {
        setConfirming(null);
        setRefusal(null);
        notifications.show({
          color: 'teal',
          message:
            r.released === 1
              ? 'One account is now a local account.'
              : `${r.released.toLocaleString()} accounts are now local accounts.`,
        });
        await refresh();
      })
      .catch((err: unknown) => {
        setConfirming(null);
        setFailure(messageOf(err));
      })
      .finally(() => setBusy(false));
  };

  const n = directory.accounts;
  return (
    <Stack gap="sm">
      <Group>
        <Button
          color="red"
          variant="light"
          leftSection={<IconTrash size={16} />}
          onClick={() => setConfirming('delete')}
        >
          Delete directory
        </Button>
      </Group>
      {failure && <Failure>{failure}</Failure>}
      {refusal && (
        <Failure title="Not deleted">
          <Stack gap="xs" align="flex-start">
            <Text size="sm">{refusal}</Text>
            <Button size="xs" color="red" onClick={() => setConfirming('release')}>
              Release accounts
            </Button>
          </Stack>
        </Failure>
      )}
      <Modal
        opened={confirming === 'delete'}
        onClose={() => setConfirming(null)}
        title={`Delete “${directory.name}”?`}
        centered
      >
        <Stack>
          <Text size="sm">
            Its settings and the history of its runs are removed. A directory that still owns
            accounts cannot be deleted.
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirming(null)}>
              Cancel
            </Button>
            <Button color="red" onClick={remove} loading={busy}>
              Delete
            </Button>
          </Group>
        </Stack>
      </Modal>
      <Modal
        opened={confirming === 'release'}
        onClose={() => setConfirming(null)}
        title={`Release the accounts of “${directory.name}”?`}
        centered
      >
        <Stack>
          <Text size="sm">
            {n === 1 ? 'Its one account becomes' : `Its ${n.toLocaleString()} accounts become`}{' '}
            local: they keep their id, fields, groups and history, and People administrators manage
            them from now on. The directory kept their passwords, so each needs a new one. Accounts
            the directory had blocked stay blocked.
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirming(null)}>
              Cancel
            </Button>
            <Button color="red" onClick={release} loading={busy}>
              Release accounts
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}
