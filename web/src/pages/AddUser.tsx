/**
 * Add a new user: the account fields first, then the tabs Role, Group, Org chart and
 * Other settings. Errors appear at the fields, from the form's own checks and the server's.
 */
import {
  Button,
  Checkbox,
  Group,
  MultiSelect,
  Paper,
  PasswordInput,
  Select,
  SimpleGrid,
  Stack,
  Tabs,
  Text,
  TextInput,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { ApiError, call, client, fieldErrors, messageOf } from '../api/client';
import { Page } from '../components/Page';
import { Section } from '../components/Section';
import { ProfileFieldInput, type ProfileValue } from '../components/ProfileFieldInput';
import { UserPicker, UsersPicker } from '../components/UserPicker';
import { useCollectionList, useExtranets, useProfileFields } from '../lookups';
import { setMembership } from '../membership';
import { Failure } from '../components/states';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const TAB_OF: Record<string, string> = {
  manager_id: 'org',
  subordinates: 'org',
  must_change_password: 'other',
};

interface Values {
  username: string;
  password: string;
  confirm: string;
  firstname: string;
  surname: string;
  email: string;
  user_code: string;
  state: 'active' | 'blocked';
  extranet_id: string | null;
  roles: string[];
  groups: string[];
  manager_id: number | null;
  subordinates: number[];
  must_change_password: boolean;
  profile: Record<string, ProfileValue>;
}

export function AddUserPage() {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const extranets = useExtranets();
  const roles = useCollectionList('roles');
  const groups = useCollectionList('groups');
  const fields = useProfileFields();
  const policy = useQuery({
    queryKey: ['password-policy'],
    queryFn: () => call(client.GET('/api/people/v2/settings/password-policy')),
  });
  const minLength = policy.data?.minLength ?? 0;
  const [tab, setTab] = useState<string | null>('roles');
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const form = useForm<Values>({
    initialValues: {
      username: '',
      password: '',
      confirm: '',
      firstname: '',
      surname: '',
      email: '',
      user_code: '',
      state: 'active',
      extranet_id: null,
      roles: [],
      groups: [],
      manager_id: null,
      subordinates: [],
      must_change_password: true,
      profile: {},
    },
    validate: {
      username: (v) => (v.trim() ? null : 'Username is required.'),
      firstname: (v) => (v.trim() ? null : 'First name is required.'),
      surname: (v) => (v.trim() ? null : 'Surname is required.'),
      email: (v) =>
        !v.trim()
          ? 'Email is required.'
          : EMAIL.test(v.trim())
            ? null
            : 'Must be an email address such as jo@example.org.',
      password: (v) =>
        v && minLength && v.length < minLength
          ? `The password must be at least ${minLength} characters long.`
          : null,
      confirm: (v, all) =>
        v === all.password ? null : 'The password and its confirmation are not the same.',
    },
  });

  const showTabOfFirstError = (errors: Record<string, unknown>) => {
    for (const key of Object.keys(errors)) {
      if (key.startsWith('profile.')) return setTab('other');
      const t = TAB_OF[key];
      if (t) return setTab(t);
    }
  };

  const submit = async (v: Values) => {
    setBusy(true);
    setFailure(null);
    try {
      const profile = Object.fromEntries(
        Object.entries(v.profile).filter(([, value]) => value !== null && value !== ''),
      );
      const created = await call(
        client.POST('/api/people/v2/users', {
          body: {
            username: v.username.trim(),
            firstname: v.firstname.trim(),
            surname: v.surname.trim(),
            email: v.email.trim(),
            user_code: v.user_code.trim() || null,
            state: v.state,
            extranet_id: v.extranet_id ? Number(v.extranet_id) : null,
            manager_id: v.manager_id,
            must_change_password: v.must_change_password,
            ...(v.password ? { password: v.password } : {}),
            ...(Object.keys(profile).length ? { profile } : {}),
          },
        }),
      );
      // The account exists now; memberships and reports follow. A failure here is reported
      // on the person's page rather than losing the new account.
      try {
        for (const id of v.roles) await setMembership('roles', Number(id), created.id, true);
        for (const id of v.groups) await setMembership('groups', Number(id), created.id, true);
        if (v.subordinates.length)
          await call(
            client.PUT('/api/people/v2/users/{id}/subordinates', {
              params: { path: { id: created.id } },
              body: { ids: v.subordinates },
            }),
          );
      } catch (err) {
        notifications.show({
          color: 'orange',
          title: 'The user was added, but not everything was saved',
          message: messageOf(err),
        });
      }
      await queryClient.invalidateQueries({ queryKey: ['users'] });
      notifications.show({
        color: 'teal',
        title: 'User added',
        message: `${created.firstname} ${created.surname} (${created.username}) can now be found in the staff list.`,
      });
      void navigate(`/users/${created.id}`);
    } catch (err) {
      const errors = fieldErrors(err);
      if (Object.keys(errors).length) {
        form.setErrors(errors);
        showTabOfFirstError(errors);
        setFailure(
          err instanceof ApiError && err.type !== 'validation_failed'
            ? err.message
            : 'Some fields need attention: see the messages below.',
        );
      } else setFailure(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  const defs = fields.data?.data ?? [];

  return (
    <Page
      title="Add a new user"
      description="Create an account managed here by People administrators."
    >
      <form
        noValidate
        onSubmit={form.onSubmit(
          (v) => void submit(v),
          (errors) => {
            showTabOfFirstError(errors);
            setFailure('Some fields need attention: see the messages below.');
          },
        )}
      >
        <Stack gap="lg">
          {failure && <Failure title="The user was not added">{failure}</Failure>}
          <Section title="Account">
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
              <TextInput
                label="Username"
                required
                autoComplete="off"
                {...form.getInputProps('username')}
              />
              <TextInput
                label="User code"
                description="Optional; unique when given."
                {...form.getInputProps('user_code')}
              />
              <PasswordInput
                label="Password"
                autoComplete="new-password"
                description={
                  minLength
                    ? `At least ${minLength} characters. Leave empty to set one later.`
                    : 'Leave empty to set one later.'
                }
                {...form.getInputProps('password')}
              />
              <PasswordInput
                label="Confirm password"
                autoComplete="new-password"
                {...form.getInputProps('confirm')}
              />
              <TextInput label="First name" required {...form.getInputProps('firstname')} />
              <TextInput label="Surname" required {...form.getInputProps('surname')} />
              <TextInput label="Email" required type="email" {...form.getInputProps('email')} />
              <Select
                label="Account state"
                data={[
                  { value: 'active', label: 'Active' },
                  { value: 'blocked', label: 'Blocked' },
                ]}
                allowDeselect={false}
                {...form.getInputProps('state')}
              />
              <Select
                label="Extranet area"
                placeholder="Primary area"
                clearable
                data={(extranets.data?.data ?? []).map((e) => ({
                  value: String(e.id),
                  label: e.name,
                }))}
                {...form.getInputProps('extranet_id')}
              />
            </SimpleGrid>
          </Section>

          <Paper withBorder p="lg">
            <Tabs value={tab} onChange={setTab}>
              <Tabs.List mb="md">
                <Tabs.Tab value="roles">Role</Tabs.Tab>
                <Tabs.Tab value="groups">Group</Tabs.Tab>
                <Tabs.Tab value="org">Org chart</Tabs.Tab>
                <Tabs.Tab value="other">Other settings</Tabs.Tab>
              </Tabs.List>
              <Tabs.Panel value="roles">
                <MultiSelect
                  label="Roles"
                  placeholder="Choose roles"
                  searchable
                  clearable
                  nothingFoundMessage="No role matches"
                  data={(roles.data?.data ?? []).map((r) => ({
                    value: String(r.id),
                    label: r.name,
                  }))}
                  {...form.getInputProps('roles')}
                />
                {roles.data?.data.length === 0 && (
                  <Text size="sm" c="dimmed" mt="xs">
                    No roles are defined yet. <Link to="/roles">Add roles</Link>.
                  </Text>
                )}
              </Tabs.Panel>
              <Tabs.Panel value="groups">
                <MultiSelect
                  label="Groups"
                  placeholder="Choose groups"
                  searchable
                  clearable
                  nothingFoundMessage="No group matches"
                  data={(groups.data?.data ?? []).map((g) => ({
                    value: String(g.id),
                    label: g.name,
                  }))}
                  {...form.getInputProps('groups')}
                />
                {groups.data?.data.length === 0 && (
                  <Text size="sm" c="dimmed" mt="xs">
                    No groups are defined yet. <Link to="/groups">Add groups</Link>.
                  </Text>
                )}
              </Tabs.Panel>
              <Tabs.Panel value="org">
                <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
                  <UserPicker
                    label="Manager"
                    value={form.values.manager_id}
                    error={form.errors.manager_id}
                    onChange={(id) => form.setFieldValue('manager_id', id)}
                  />
                  <UsersPicker
                    label="Direct reports"
                    value={form.values.subordinates}
                    error={form.errors.subordinates}
                    onChange={(ids) => form.setFieldValue('subordinates', ids)}
                  />
                </SimpleGrid>
              </Tabs.Panel>
              <Tabs.Panel value="other">
                <Stack>
                  <Checkbox
                    label="Change password at next login"
                    description="The person must choose their own password when they first sign in."
                    {...form.getInputProps('must_change_password', { type: 'checkbox' })}
                  />
                  {defs.length === 0 ? (
                    <Text size="sm" c="dimmed">
                      No custom profile fields are defined.{' '}
                      <Link to="/profile-fields">Define profile fields</Link>.
                    </Text>
                  ) : (
                    <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
                      {defs.map((d) => (
                        <ProfileFieldInput
                          key={d.name}
                          def={d}
                          value={form.values.profile[d.name]}
                          error={form.errors[`profile.${d.name}`]}
                          onChange={(value) => form.setFieldValue(`profile.${d.name}`, value)}
                        />
                      ))}
                    </SimpleGrid>
                  )}
                </Stack>
              </Tabs.Panel>
            </Tabs>
          </Paper>

          <Group justify="flex-end">
            <Button variant="default" component={Link} to="/users">
              Cancel
            </Button>
            <Button type="submit" loading={busy}>
              Add user
            </Button>
          </Group>
        </Stack>
      </form>
    </Page>
  );
}
