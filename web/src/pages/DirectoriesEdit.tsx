/**
 * One user directory (sysadmins): its connection, search, mapping, rules and schedule; test
 * the connection; go to its sync; delete it (or release its accounts first). The bind
 * password is write-only: left empty, the stored one is kept. A SCIM directory has no
 * search or schedule (the identity provider pushes): its page shows the SCIM URL and token
 * (DirectoriesScim.tsx), the mapping of SCIM attributes, and the recent SCIM requests.
 */
import {
  Anchor,
  Button,
  Checkbox,
  Group,
  NumberInput,
  PasswordInput,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Textarea,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useQueryClient } from '@tanstack/react-query';
import { IconRefresh } from '@tabler/icons-react';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { call, client, fieldErrors, messageOf } from '../api/client';
import type { paths } from '../api/schema';
import { Page } from '../components/Page';
import { Section } from '../components/Section';
import { ErrorState, Failure, Loading } from '../components/states';
import { NotFoundPage } from './NotFound';
import { lastRunSentence, useDirectory, type Directory, type Schedule } from './DirectoriesCommon';
import { DeleteDirectory } from './DirectoriesDelete';
import { MappingEditor, mappingOf, rowsOf, type MappingRow } from './DirectoriesMapping';
import { ScimConnection, ScimRequestLog } from './DirectoriesScim';
import { TestConnection } from './DirectoriesTest';

type PatchBody =
  paths['/api/people/v2/directories/{id}']['patch']['requestBody']['content']['application/json'];

export function DirectoryEditPage() {
  const id = Number(useParams().id);
  const directory = useDirectory(id);
  if (!Number.isInteger(id) || id < 1) return <NotFoundPage />;
  if (directory.isPending) return <Loading />;
  if (directory.isError)
    return <ErrorState error={directory.error} onRetry={() => void directory.refetch()} />;
  return <DirectoryForm key={directory.data.updated_at} directory={directory.data} />;
}

function valuesOf(d: Directory) {
  const s = d.schedule;
  return {
    name: d.name,
    url: d.url ?? '',
    start_tls: d.start_tls ?? false,
    ca_certificate: d.ca_certificate ?? '',
    bind_dn: d.bind_dn ?? '',
    bind_password: '',
    base_dn: d.base_dn ?? '',
    user_filter: d.user_filter ?? '',
    id_attribute: d.id_attribute ?? '',
    username_attribute: d.username_attribute ?? '',
    sync_group_dn: d.sync_group_dn ?? '',
    group_base_dn: d.group_base_dn ?? '',
    group_filter: d.group_filter ?? '',
    adopt_local_accounts: d.adopt_local_accounts,
    max_block_percent: d.max_block_percent as number | string,
    schedule_kind: !s ? 'off' : 'every_minutes' in s ? 'every' : 'daily',
    every_minutes: (s && 'every_minutes' in s ? s.every_minutes : 60) as number | string,
    daily_at: s && 'daily_at' in s ? s.daily_at : '02:00',
    mapping: rowsOf(d.mapping),
  };
}
type Values = ReturnType<typeof valuesOf>;

function scheduleOf(v: Values): Schedule {
  if (v.schedule_kind === 'every') return { every_minutes: Number(v.every_minutes) };
  if (v.schedule_kind === 'daily') return { daily_at: v.daily_at.trim() };
  return null;
}

function bodyOf(d: Directory, v: Values): PatchBody {
  const orNull = (s: string) => (s.trim() ? s.trim() : null);
  const common: PatchBody = {
    name: v.name.trim(),
    adopt_local_accounts: v.adopt_local_accounts,
    max_block_percent: Number(v.max_block_percent),
    schedule: scheduleOf(v),
    mapping: mappingOf(v.mapping),
  };
  if (d.type !== 'ldap') return common;
  return {
    ...common,
    url: v.url.trim(),
    start_tls: v.start_tls,
    ca_certificate: orNull(v.ca_certificate),
    bind_dn: v.bind_dn.trim(),
    base_dn: v.base_dn.trim(),
    user_filter: v.user_filter.trim(),
    id_attribute: v.id_attribute.trim(),
    username_attribute: v.username_attribute.trim(),
    sync_group_dn: orNull(v.sync_group_dn),
    group_base_dn: orNull(v.group_base_dn),
    group_filter: orNull(v.group_filter),
    ...(v.bind_password ? { bind_password: v.bind_password } : {}),
  };
}

/** The server names schedule errors "schedule.every_minutes"; the form's fields are flat. */
function formErrors(err: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, m] of Object.entries(fieldErrors(err)))
    out[k.startsWith('schedule.') ? k.slice('schedule.'.length) : k] = m;
  return out;
}

function DirectoryForm({ directory: d }: { directory: Directory }) {
  const queryClient = useQueryClient();
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const [mappingErrors, setMappingErrors] = useState<Record<string, string>>({});
  const form = useForm({ initialValues: valuesOf(d) });
  const ldap = d.type === 'ldap';

  const save = form.onSubmit((v) => {
    setBusy(true);
    setFailure(null);
    setMappingErrors({});
    call(
      client.PATCH('/api/people/v2/directories/{id}', {
        params: { path: { id: d.id } },
        body: bodyOf(d, v),
      }),
    )
      .then(async (next) => {
        notifications.show({ color: 'teal', message: 'The changes were saved.' });
        queryClient.setQueryData(['directories', d.id], next);
        await queryClient.invalidateQueries({ queryKey: ['directories'], exact: true });
        await queryClient.invalidateQueries({ queryKey: ['overview'] });
      })
      .catch((err: unknown) => {
        const errors = formErrors(err);
        form.setErrors(errors);
        setMappingErrors(errors);
        setFailure(messageOf(err));
      })
      .finally(() => setBusy(false));
  });

  return (
    <Page
      title={d.name}
      description={
        <>
          {d.accounts === 1 ? 'Owns one account' : `Owns ${d.accounts.toLocaleString()} accounts`}.
          {ldap ? `Last run: ${lastRunSentence(d)}.` : 'Pushed by the identity provider over SCIM.'}{' '}
          <Anchor component={Link} to="/directories">
            All directories
          </Anchor>
        </>
      }
      actions={
        ldap && (
          <Button
            component={Link}
            to={`/directory-sync?directory=${d.id}`}
            variant="light"
            leftSection={<IconRefresh size={16} />}
          >
            Synchronize users
          </Button>
        )
      }
    >
      {!ldap && (
        <Section title="SCIM connection">
          <ScimConnection id={d.id} />
        </Section>
      )}
      <form onSubmit={save} noValidate>
        <Stack>
          {failure && <Failure title="Not saved">{failure}</Failure>}
          <Section title="Connection">
            <Stack>
              <TextInput label="Name" required {...form.getInputProps('name')} />
              {ldap && (
                <>
                  <TextInput
                    label="Server URL"
                    description="ldap:// or ldaps://"
                    required
                    {...form.getInputProps('url')}
                  />
                  <Checkbox
                    label="Use StartTLS (upgrade an ldap:// connection to TLS)"
                    {...form.getInputProps('start_tls', { type: 'checkbox' })}
                  />
                  <Textarea
                    label="CA certificate (PEM)"
                    description="Only when the server's certificate is signed by a CA this machine does not trust."
                    placeholder="-----BEGIN CERTIFICATE-----"
                    autosize
                    minRows={2}
                    maxRows={8}
                    ff="monospace"
                    {...form.getInputProps('ca_certificate')}
                  />
                  <SimpleGrid cols={{ base: 1, sm: 2 }}>
                    <TextInput label="Bind DN" {...form.getInputProps('bind_dn')} />
                    <PasswordInput
                      label="Bind password"
                      placeholder={d.has_bind_password ? 'stored — leave empty to keep' : 'none'}
                      description={
                        d.has_bind_password
                          ? 'Stored encrypted; leave empty to keep it.'
                          : 'No password is stored.'
                      }
                      autoComplete="new-password"
                      {...form.getInputProps('bind_password')}
                    />
                  </SimpleGrid>
                </>
              )}
            </Stack>
          </Section>
          {ldap && (
            <Section title="Which entries">
              <Stack>
                <TextInput label="Base DN" required {...form.getInputProps('base_dn')} />
                <TextInput
                  label="User filter"
                  ff="monospace"
                  {...form.getInputProps('user_filter')}
                />
                <SimpleGrid cols={{ base: 1, sm: 2 }}>
                  <TextInput
                    label="Stable id attribute"
                    description="Never changes for an entry: entryUUID (OpenLDAP), objectGUID (Active Directory)."
                    {...form.getInputProps('id_attribute')}
                  />
                  <TextInput
                    label="Username attribute"
                    description="uid (OpenLDAP), sAMAccountName (Active Directory)."
                    {...form.getInputProps('username_attribute')}
                  />
                </SimpleGrid>
                <TextInput
                  label="Sync group DN"
                  description="Optional: only members of this group (nested groups included) are synced."
                  {...form.getInputProps('sync_group_dn')}
                />
                <SimpleGrid cols={{ base: 1, sm: 2 }}>
                  <TextInput
                    label="Group base DN"
                    description="Optional: directory groups under it become read-only Gatehouse groups."
                    {...form.getInputProps('group_base_dn')}
                  />
                  <TextInput
                    label="Group filter"
                    ff="monospace"
                    {...form.getInputProps('group_filter')}
                  />
                </SimpleGrid>
              </Stack>
            </Section>
          )}
          <Section title="Mapping">
            <Text size="sm" c="dimmed" mb="sm">
              Each field filled from the directory becomes read-only in Gatehouse for its accounts.
              {!ldap &&
                ' Attributes are SCIM paths: name.givenName, emails (the primary or work one), phoneNumbers[type eq "mobile"], or an extension’s, such as urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department.'}
            </Text>
            <MappingEditor
              kind={d.type}
              rows={form.values.mapping}
              onChange={(rows: MappingRow[]) => form.setFieldValue('mapping', rows)}
              errors={mappingErrors}
            />
          </Section>
          <Section title={ldap ? 'Rules and schedule' : 'Rules'}>
            <Stack>
              <Checkbox
                label="Adopt local accounts with the same username (they keep their id and history)"
                {...form.getInputProps('adopt_local_accounts', { type: 'checkbox' })}
              />
              {ldap && (
                <>
                  <NumberInput
                    label="Safety stop: most accounts one run may block (%)"
                    description="A run that would block more stops and shows who; 100 turns this off."
                    min={0}
                    max={100}
                    w={360}
                    {...form.getInputProps('max_block_percent')}
                  />
                  <div>
                    <Text size="sm" fw={500} mb={4} id="schedule-label">
                      Schedule
                    </Text>
                    <SegmentedControl
                      aria-labelledby="schedule-label"
                      data={[
                        { value: 'off', label: 'Off' },
                        { value: 'every', label: 'Every N minutes' },
                        { value: 'daily', label: 'Daily' },
                      ]}
                      {...form.getInputProps('schedule_kind')}
                    />
                  </div>
                  {form.values.schedule_kind === 'every' && (
                    <NumberInput
                      label="Every how many minutes"
                      min={5}
                      max={10080}
                      w={240}
                      {...form.getInputProps('every_minutes')}
                    />
                  )}
                  {form.values.schedule_kind === 'daily' && (
                    <TextInput
                      label="At (HH:MM, UTC)"
                      placeholder="02:30"
                      w={240}
                      {...form.getInputProps('daily_at')}
                    />
                  )}
                </>
              )}
            </Stack>
          </Section>
          <Group>
            <Button type="submit" loading={busy}>
              Save changes
            </Button>
          </Group>
        </Stack>
      </form>
      {ldap && (
        <Section title="Test connection">
          <TestConnection id={d.id} unsaved={form.isDirty()} />
        </Section>
      )}
      {!ldap && (
        <Section title="Recent SCIM requests">
          <ScimRequestLog id={d.id} />
        </Section>
      )}
      <Section title="Retire this directory">
        <DeleteDirectory directory={d} />
      </Section>
    </Page>
  );
}
