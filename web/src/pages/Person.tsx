/**
 * A person's page: their details (directory-owned fields read-only, with the reason),
 * block / unblock / unfreeze, a new password, memberships, org chart and audit history.
 */
import {
  Alert,
  Anchor,
  Badge,
  Button,
  Checkbox,
  Group,
  Modal,
  MultiSelect,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Tabs,
  Text,
  TextInput,
  Textarea,
  Avatar,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import {
  IconInfoCircle,
  IconLock,
  IconLockOpen,
  IconKey,
  IconSnowflakeOff,
} from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import { call, client, fieldErrors, messageOf, type User } from '../api/client';
import { Page } from '../components/Page';
import { Section } from '../components/Section';
import { ProfileFieldInput, type ProfileValue } from '../components/ProfileFieldInput';
import { ErrorState, Failure, Loading } from '../components/states';
import { UserPicker, UsersPicker } from '../components/UserPicker';
import { AuditTable } from './AuditLog';
import {
  useCollectionList,
  useExtranets,
  useOverview,
  useOwnedReason,
  useProfileFields,
} from '../lookups';
import { setMembership } from '../membership';
import {
  AUTHORITY_LABEL,
  FIELD_LABEL,
  STATE_COLOR,
  STATE_LABEL,
  formatDateTime,
  fullName,
  originSentence,
} from '../words';
import { NewPasswordFields } from '../components/NewPasswordFields';

const TEXT_FIELDS = [
  'username',
  'user_code',
  'firstname',
  'surname',
  'email',
  'job_title',
  'department',
  'office',
  'phone',
  'mobile',
] as const;
type TextField = (typeof TEXT_FIELDS)[number];

type EditValues = Record<TextField, string> & {
  extranet_id: string | null;
  profile: Record<string, ProfileValue>;
};

function valuesOf(u: User): EditValues {
  return {
    username: u.username,
    user_code: u.user_code ?? '',
    firstname: u.firstname,
    surname: u.surname,
    email: u.email,
    job_title: u.job_title,
    department: u.department,
    office: u.office,
    phone: u.phone,
    mobile: u.mobile,
    extranet_id: u.extranet_id === null ? null : String(u.extranet_id),
    profile: { ...u.profile },
  };
}

function usePerson(id: number) {
  return useQuery({
    queryKey: ['users', id],
    queryFn: () => call(client.GET('/api/people/v2/users/{id}', { params: { path: { id } } })),
  });
}

export function PersonPage() {
  const id = Number(useParams().id);
  const person = usePerson(id);
  if (person.isPending) return <Loading label="Loading this person…" />;
  if (person.isError)
    return (
      <Page title="Person">
        <ErrorState error={person.error} onRetry={() => void person.refetch()} />
      </Page>
    );
  return <PersonView person={person.data} />;
}

function PersonView({ person }: { person: User }) {
  const queryClient = useQueryClient();
  const overview = useOverview();
  const directory = overview.data?.ways_in.directories.list.find(
    (d) => d.id === person.directory_id,
  );
  const owned = new Set(person.owned_fields ?? []);
  const ownedReason = directory
    ? `Managed by the directory “${directory.name}”: change it there.`
    : 'Managed by the directory that syncs this account: change it there.';
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['users'] });
  const [blockOpen, block] = useDisclosure(false);
  const [passwordOpen, password] = useDisclosure(false);
  const [busy, setBusy] = useState(false);

  const action = (path: 'unblock' | 'unfreeze', done: string) => {
    setBusy(true);
    call(
      client.POST(`/api/people/v2/users/{id}/${path}`, {
        params: { path: { id: person.id } },
        body: {},
      }),
    )
      .then(() => {
        notifications.show({ color: 'teal', message: done });
        return refresh();
      })
      .catch((err: unknown) =>
        notifications.show({ color: 'red', title: 'Not done', message: messageOf(err) }),
      )
      .finally(() => setBusy(false));
  };

  const stateOwned = person.directory_id !== null;
  return (
    <Page
      title={fullName(person) || person.username}
      description={
        <Group gap="xs" component="span">
          <span>{person.username}</span>
          <Badge variant="light" color={STATE_COLOR[person.state]}>
            {STATE_LABEL[person.state]}
          </Badge>
          {person.directory_id !== null && (
            <Badge variant="outline" color="grape">
              Synced
            </Badge>
          )}
        </Group>
      }
      actions={
        <>
          {person.state === 'active' && (
            <Button
              color="red"
              variant="light"
              leftSection={<IconLock size={16} />}
              onClick={block.open}
              disabled={stateOwned}
              title={
                stateOwned ? 'The directory decides whether this account is blocked.' : undefined
              }
            >
              Block
            </Button>
          )}
          {person.state === 'blocked' && (
            <Button
              variant="light"
              color="teal"
              leftSection={<IconLockOpen size={16} />}
              loading={busy}
              onClick={() => action('unblock', 'The account was unblocked.')}
            >
              Unblock
            </Button>
          )}
          {person.state === 'frozen' && (
            <Button
              variant="light"
              leftSection={<IconSnowflakeOff size={16} />}
              loading={busy}
              onClick={() => action('unfreeze', 'The sign-in lockout was lifted.')}
            >
              Unfreeze
            </Button>
          )}
          <Button
            variant="default"
            leftSection={<IconKey size={16} />}
            onClick={password.open}
            disabled={person.password_authority !== 'local'}
            title={
              person.password_authority !== 'local'
                ? AUTHORITY_LABEL[person.password_authority ?? 'local']
                : undefined
            }
          >
            Set a new password
          </Button>
        </>
      }
    >
      <Alert
        variant="light"
        color="blue"
        icon={<IconInfoCircle size={18} />}
        title="Origin and authority"
      >
        <Stack gap={4}>
          <Text size="sm">{originSentence(person, directory?.name)}</Text>
          <Text size="sm">{AUTHORITY_LABEL[person.password_authority ?? 'local']}.</Text>
          {person.state === 'blocked' && (
            <Text size="sm">
              Blocked by {person.blocked_by ?? 'an administrator'}
              {person.blocked_reason ? `: ${person.blocked_reason}` : '.'}
            </Text>
          )}
          {person.state === 'frozen' && (
            <Text size="sm">
              Sign-in is locked after too many failed attempts, until{' '}
              {formatDateTime(person.frozen_until)}.
            </Text>
          )}
          {owned.size > 0 && (
            <Text size="sm">
              Read-only here:{' '}
              {[...owned].map((f) => FIELD_LABEL[f] ?? f.replace(/^profile\./, '')).join(', ')}.
            </Text>
          )}
        </Stack>
      </Alert>

      <Tabs defaultValue="details" keepMounted={false}>
        <Tabs.List mb="md">
          <Tabs.Tab value="details">Details</Tabs.Tab>
          <Tabs.Tab value="memberships">Roles and groups</Tabs.Tab>
          <Tabs.Tab value="org">Org chart</Tabs.Tab>
          <Tabs.Tab value="history">History</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="details">
          <DetailsForm person={person} owned={owned} ownedReason={ownedReason} onSaved={refresh} />
        </Tabs.Panel>
        <Tabs.Panel value="memberships">
          <Memberships person={person} />
        </Tabs.Panel>
        <Tabs.Panel value="org">
          <OrgChart
            person={person}
            ownedReason={owned.has('manager_id') ? ownedReason : undefined}
          />
        </Tabs.Panel>
        <Tabs.Panel value="history">
          <Paper withBorder>
            <AuditTable filters={{ target_type: 'person', target_id: String(person.id) }} compact />
          </Paper>
        </Tabs.Panel>
      </Tabs>

      <BlockModal opened={blockOpen} onClose={block.close} person={person} onDone={refresh} />
      <PasswordModal opened={passwordOpen} onClose={password.close} person={person} />
    </Page>
  );
}

function DetailsForm(props: {
  person: User;
  owned: Set<string>;
  ownedReason: string;
  onSaved(): Promise<void>;
}) {
  const { person, owned, ownedReason } = props;
  const extranets = useExtranets();
  const fields = useProfileFields();
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const form = useForm<EditValues>({ initialValues: valuesOf(person) });
  useEffect(() => {
    form.setValues(valuesOf(person));
    form.resetDirty(valuesOf(person));
    // Reload the form when the person changes on the server.
  }, [person.version]);

  const ro = (f: string) => owned.has(f);
  const text = (f: TextField, label: string, opts: { required?: boolean; type?: string } = {}) => (
    <TextInput
      label={label}
      required={opts.required && !ro(f)}
      type={opts.type}
      readOnly={ro(f)}
      variant={ro(f) ? 'filled' : 'default'}
      description={ro(f) ? ownedReason : undefined}
      {...form.getInputProps(f)}
    />
  );

  const save = (v: EditValues) => {
    const before = valuesOf(person);
    const body: Record<string, unknown> = {};
    for (const f of TEXT_FIELDS)
      if (v[f] !== before[f] && !ro(f))
        body[f] = f === 'user_code' ? v[f].trim() || null : v[f].trim();
    if (v.extranet_id !== before.extranet_id)
      body.extranet_id = v.extranet_id ? Number(v.extranet_id) : null;
    const profile: Record<string, ProfileValue> = {};
    for (const [k, value] of Object.entries(v.profile))
      if (
        JSON.stringify(value ?? null) !== JSON.stringify(before.profile[k] ?? null) &&
        !ro(`profile.${k}`)
      )
        profile[k] = value === '' ? null : value;
    if (Object.keys(profile).length) body.profile = profile;
    if (Object.keys(body).length === 0) {
      notifications.show({ message: 'Nothing was changed.' });
      return;
    }
    setBusy(true);
    setFailure(null);
    call(
      client.PATCH('/api/people/v2/users/{id}', {
        params: { path: { id: person.id } },
        headers: { 'If-Match': `"${person.id}.${person.version}"` },
        body,
      }),
    )
      .then(async () => {
        notifications.show({ color: 'teal', message: 'The changes were saved.' });
        await props.onSaved();
      })
      .catch((err: unknown) => {
        const errors = fieldErrors(err);
        if (Object.keys(errors).length) form.setErrors(errors);
        setFailure(messageOf(err));
      })
      .finally(() => setBusy(false));
  };

  return (
    <form noValidate onSubmit={form.onSubmit(save)}>
      <Stack>
        {failure && <Failure title="Not saved">{failure}</Failure>}
        <Section title="Details">
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
            {text('username', 'Username', { required: true })}
            {text('user_code', 'User code')}
            {text('firstname', 'First name', { required: true })}
            {text('surname', 'Surname', { required: true })}
            {text('email', 'Email', { required: true, type: 'email' })}
            {text('job_title', 'Job title')}
            {text('department', 'Department')}
            {text('office', 'Office')}
            {text('phone', 'Phone')}
            {text('mobile', 'Mobile')}
            <Select
              label="Extranet area"
              placeholder="Primary area"
              clearable
              readOnly={ro('extranet_id')}
              description={ro('extranet_id') ? ownedReason : undefined}
              data={(extranets.data?.data ?? []).map((e) => ({
                value: String(e.id),
                label: e.name,
              }))}
              {...form.getInputProps('extranet_id')}
            />
          </SimpleGrid>
        </Section>
        {(fields.data?.data.length ?? 0) > 0 && (
          <Section title="Profile fields">
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
              {fields.data?.data.map((d) => (
                <ProfileFieldInput
                  key={d.name}
                  def={d}
                  value={form.values.profile[d.name]}
                  error={form.errors[`profile.${d.name}`]}
                  disabled={ro(`profile.${d.name}`)}
                  readOnlyReason={ro(`profile.${d.name}`) ? ownedReason : undefined}
                  onChange={(value) => form.setFieldValue(`profile.${d.name}`, value)}
                />
              ))}
            </SimpleGrid>
          </Section>
        )}
        <Group justify="space-between">
          <Text size="xs" c="dimmed">
            Last changed {formatDateTime(person.updated_at)} · last login{' '}
            {formatDateTime(person.last_login_at)}
          </Text>
          <Group>
            <Button
              variant="default"
              onClick={() => form.setValues(valuesOf(person))}
              disabled={!form.isDirty()}
            >
              Discard changes
            </Button>
            <Button type="submit" loading={busy}>
              Save changes
            </Button>
          </Group>
        </Group>
      </Stack>
    </form>
  );
}

function Memberships({ person }: { person: User }) {
  const params = { params: { path: { id: person.id } } };
  const queryClient = useQueryClient();
  const mine = {
    groups: useQuery({
      queryKey: ['users', person.id, 'groups'],
      queryFn: () => call(client.GET('/api/people/v2/users/{id}/groups', params)),
    }),
    roles: useQuery({
      queryKey: ['users', person.id, 'roles'],
      queryFn: () => call(client.GET('/api/people/v2/users/{id}/roles', params)),
    }),
  };
  const all = { groups: useCollectionList('groups'), roles: useCollectionList('roles') };
  const [busy, setBusy] = useState<string | null>(null);
  const ownedReason = useOwnedReason();
  // Groups a directory syncs are changed there: their options are disabled, and a change
  // that would touch one (a pill's remove button) is not sent.
  const ownedIds = new Set(
    (all.groups.data?.data ?? []).filter((g) => g.directory_id != null).map((g) => String(g.id)),
  );

  const change = async (kind: 'groups' | 'roles', requested: string[]) => {
    const current = new Set((mine[kind].data?.data ?? []).map((c) => String(c.id)));
    const next =
      kind === 'groups'
        ? [
            ...requested.filter((id) => !ownedIds.has(id)),
            ...[...current].filter((id) => ownedIds.has(id)),
          ]
        : requested;
    const wanted = new Set(next);
    setBusy(kind);
    try {
      for (const id of wanted)
        if (!current.has(id)) await setMembership(kind, Number(id), person.id, true);
      for (const id of current)
        if (!wanted.has(id)) await setMembership(kind, Number(id), person.id, false);
      notifications.show({
        color: 'teal',
        message: kind === 'groups' ? 'Groups saved.' : 'Roles saved.',
      });
    } catch (err) {
      notifications.show({ color: 'red', title: 'Not saved', message: messageOf(err) });
    } finally {
      setBusy(null);
      await queryClient.invalidateQueries({ queryKey: ['users', person.id, kind] });
    }
  };

  return (
    <SimpleGrid cols={{ base: 1, md: 2 }}>
      {(['roles', 'groups'] as const).map((kind) => (
        <Section key={kind} title={kind === 'roles' ? 'Roles' : 'Groups'}>
          {mine[kind].isError ? (
            <ErrorState error={mine[kind].error} />
          ) : (
            <MultiSelect
              label={kind === 'roles' ? 'Roles of this person' : 'Groups of this person'}
              placeholder={mine[kind].isPending ? 'Loading…' : 'None'}
              searchable
              disabled={busy === kind || mine[kind].isPending}
              data={(all[kind].data?.data ?? []).map((c) => ({
                value: String(c.id),
                label: c.name,
                disabled: kind === 'groups' && c.directory_id != null,
              }))}
              value={(mine[kind].data?.data ?? []).map((c) => String(c.id))}
              onChange={(v) => void change(kind, v)}
              description={
                kind === 'groups' &&
                (mine.groups.data?.data ?? []).some((g) => g.directory_id != null)
                  ? `Groups synced from a directory are shown here and cannot be changed. ${ownedReason((mine.groups.data?.data ?? []).find((g) => g.directory_id != null)?.directory_id) ?? ''}`
                  : undefined
              }
            />
          )}
        </Section>
      ))}
    </SimpleGrid>
  );
}

function OrgChart({ person, ownedReason }: { person: User; ownedReason: string | undefined }) {
  const queryClient = useQueryClient();
  const params = { params: { path: { id: person.id } } };
  const reports = useQuery({
    queryKey: ['users', person.id, 'subordinates'],
    queryFn: () => call(client.GET('/api/people/v2/users/{id}/subordinates', params)),
  });
  const manager = useQuery({
    queryKey: ['users', person.manager_id],
    enabled: person.manager_id !== null,
    queryFn: () =>
      call(
        client.GET('/api/people/v2/users/{id}', {
          params: { path: { id: person.manager_id ?? 0 } },
        }),
      ),
  });
  const [error, setError] = useState<string | null>(null);
  const done = async () => {
    setError(null);
    notifications.show({ color: 'teal', message: 'Org chart saved.' });
    await queryClient.invalidateQueries({ queryKey: ['users'] });
  };
  if (reports.isPending || (person.manager_id !== null && manager.isPending)) return <Loading />;
  const reportList = reports.data?.data ?? [];
  return (
    <Paper withBorder p="lg">
      {error && <Failure mb="md">{error}</Failure>}
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <UserPicker
          label="Manager"
          description={ownedReason}
          disabled={ownedReason !== undefined}
          value={person.manager_id}
          exclude={person.id}
          known={
            manager.data
              ? {
                  id: manager.data.id,
                  label: `${fullName(manager.data)} (${manager.data.username})`,
                }
              : null
          }
          onChange={(id) => {
            call(
              client.PUT('/api/people/v2/users/{id}/manager', {
                ...params,
                body: { manager_id: id },
              }),
            )
              .then(done)
              .catch((err: unknown) => setError(messageOf(err)));
          }}
        />
        <UsersPicker
          label="Direct reports"
          value={reportList.map((r) => r.id)}
          exclude={person.id}
          known={reportList.map((r) => ({ id: r.id, label: `${fullName(r)} (${r.username})` }))}
          onChange={(ids) => {
            call(client.PUT('/api/people/v2/users/{id}/subordinates', { ...params, body: { ids } }))
              .then(done)
              .catch((err: unknown) => setError(messageOf(err)));
          }}
        />
      </SimpleGrid>
      {reportList.length > 0 && (
        <Group gap="xs" mt="md">
          {reportList.map((r) => (
            <Anchor key={r.id} component={Link} to={`/users/${r.id}`} size="sm">
              <Group gap={6}>
                <Avatar size={22} radius="xl">
                  {r.firstname.charAt(0)}
                  {r.surname.charAt(0)}
                </Avatar>
                {fullName(r)}
              </Group>
            </Anchor>
          ))}
        </Group>
      )}
    </Paper>
  );
}

function BlockModal(props: {
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

function PasswordModal(props: { opened: boolean; onClose(): void; person: User }) {
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
