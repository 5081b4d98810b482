import { Button, PasswordInput, Stack, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useState } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { messageOf } from '../api/client';
import { useSession } from '../session';
import { AuthFrame } from './AuthFrame';
import { Failure } from '../components/states';
import { IdpButtons } from './login-handler-buttons';

export function SignInPage() {
  const { session, signIn } = useSession();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const form = useForm({
    initialValues: { username: '', password: '' },
    validate: {
      username: (v) => (v.trim() ? null : 'Enter your username.'),
      password: (v) => (v ? null : 'Enter your password.'),
    },
  });
  const next = params.get('next');
  const target = next && next.startsWith('/') && !next.startsWith('//') ? next : '/users';
  if (session)
    return <Navigate to={session.mustChangePassword ? '/change-password' : target} replace />;

  return (
    <AuthFrame title="Sign in" intro="People administration for your organisation.">
      <form
        noValidate
        onSubmit={form.onSubmit((v) => {
          setBusy(true);
          setError(null);
          signIn(v.username, v.password)
            .then((s) =>
              navigate(s.mustChangePassword ? '/change-password' : target, { replace: true }),
            )
            .catch((err: unknown) => setError(messageOf(err)))
            .finally(() => setBusy(false));
        })}
      >
        <Stack>
          {error && <Failure>{error}</Failure>}
          <TextInput
            label="Username"
            autoComplete="username"
            autoFocus
            {...form.getInputProps('username')}
          />
          <PasswordInput
            label="Password"
            autoComplete="current-password"
            {...form.getInputProps('password')}
          />
          <Button type="submit" loading={busy} fullWidth mt="xs">
            Sign in
          </Button>
        </Stack>
      </form>
      <IdpButtons returnTo={target} noAuto={params.get('no_auto') === '1'} />
    </AuthFrame>
  );
}
