import { Anchor, Button, Group, PasswordInput, Stack } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { call, client, fieldErrors, messageOf } from '../api/client';
import { useSession } from '../session';
import { AuthFrame } from './AuthFrame';
import { Failure } from '../components/states';
import { NewPasswordFields } from '../components/NewPasswordFields';

export function ChangePasswordPage() {
  const { session, passwordChanged, signOut } = useSession();
  const navigate = useNavigate();
  const forced = session?.mustChangePassword ?? false;
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const form = useForm({
    initialValues: { current_password: '', password: '', confirm: '' },
    validate: {
      current_password: (v) => (v ? null : 'Enter your current password.'),
      password: (v) => (v ? null : 'Choose a new password.'),
      confirm: (v, all) => (v === all.password ? null : 'The two passwords are not the same.'),
    },
  });

  return (
    <AuthFrame
      title="Change your password"
      intro={
        forced
          ? 'Your administrator asks you to choose a new password before you go on.'
          : 'Choose a new password. Your other sessions will be signed out.'
      }
    >
      <form
        noValidate
        onSubmit={form.onSubmit((v) => {
          setBusy(true);
          setError(null);
          call(
            client.PUT('/api/people/v2/user/password', {
              body: { current_password: v.current_password, password: v.password },
            }),
          )
            .then(() => {
              passwordChanged();
              notifications.show({ color: 'teal', message: 'Your password was changed.' });
              void navigate('/users', { replace: true });
            })
            .catch((err: unknown) => {
              const fields = fieldErrors(err);
              if (Object.keys(fields).length > 0) form.setErrors(fields);
              else setError(messageOf(err));
            })
            .finally(() => setBusy(false));
        })}
      >
        <Stack>
          {error && <Failure>{error}</Failure>}
          <PasswordInput
            label="Current password"
            autoComplete="current-password"
            {...form.getInputProps('current_password')}
          />
          <NewPasswordFields form={form} />
          <Group justify="space-between" mt="xs">
            {forced ? (
              <Anchor
                component="button"
                type="button"
                size="sm"
                onClick={() => void signOut().then(() => navigate('/sign-in'))}
              >
                Sign out
              </Anchor>
            ) : (
              <Anchor component={Link} to="/users" size="sm">
                Cancel
              </Anchor>
            )}
            <Button type="submit" loading={busy}>
              Change password
            </Button>
          </Group>
        </Stack>
      </form>
    </AuthFrame>
  );
}
