/** The person page's dialogs: block the account (with a reason for the audit log), set a new password. */
import { Button, Checkbox, Group, Modal, Stack, Text, Textarea } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useState } from 'react';
import { call, client, fieldErrors, messageOf, type User } from '../api/client';
import { Failure } from '../components/states';
import { fullName } from '../words';
import { NewPasswordFields } from '../components/NewPasswordFields';

export function BlockModal(props: {
  opened: boolean;
  onClose(): void;
  person: User;
  onDone(): Promise<void>;
}) {
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <Modal
      opened={props.opened}
      onClose={props.onClose}
      title={`Block ${fullName(props.person)}?`}
      centered
    >
      <Stack>
        <Text size="sm">
          They will not be able to sign in by any way, and their open sessions end at once. Nothing
          is deleted; you can unblock them later.
        </Text>
        {error && <Failure>{error}</Failure>}
        <Textarea
          label="Reason (kept in the audit log)"
          value={reason}
          onChange={(e) => setReason(e.currentTarget.value)}
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={props.onClose}>
            Cancel
          </Button>
          <Button
            color="red"
            loading={busy}
            onClick={() => {
              setBusy(true);
              call(
                client.POST('/api/people/v2/users/{id}/block', {
                  params: { path: { id: props.person.id } },
                  body: reason.trim() ? { reason: reason.trim() } : {},
                }),
              )
                .then(async () => {
                  notifications.show({ color: 'teal', message: 'The account was blocked.' });
                  props.onClose();
                  await props.onDone();
                })
                .catch((err: unknown) => setError(messageOf(err)))
                .finally(() => setBusy(false));
            }}
          >
            Block account
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

export function PasswordModal(props: { opened: boolean; onClose(): void; person: User }) {
  const [busy, setBusy] = useState(false);
  const form = useForm({
    initialValues: { password: '', confirm: '', must_change_password: true },
    validate: {
      password: (v) => (v ? null : 'Enter the new password.'),
      confirm: (v, all) =>
        v === all.password ? null : 'The password and its confirmation are not the same.',
    },
  });
  return (
    <Modal opened={props.opened} onClose={props.onClose} title="Set a new password" centered>
      <form
        noValidate
        onSubmit={form.onSubmit((v) => {
          setBusy(true);
          call(
            client.PUT('/api/people/v2/users/{id}/password', {
              params: { path: { id: props.person.id } },
              body: { password: v.password, must_change_password: v.must_change_password },
            }),
          )
            .then(() => {
              notifications.show({ color: 'teal', message: 'The new password was set.' });
              form.reset();
              props.onClose();
            })
            .catch((err: unknown) => {
              const errors = fieldErrors(err);
              form.setErrors(Object.keys(errors).length ? errors : { password: messageOf(err) });
            })
            .finally(() => setBusy(false));
        })}
      >
        <Stack>
          <NewPasswordFields form={form} />
          <Checkbox
            label="Change password at next login"
            {...form.getInputProps('must_change_password', { type: 'checkbox' })}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={props.onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={busy}>
              Set password
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
