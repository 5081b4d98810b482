/**
 * A person's details form: the text fields, extranet area and profile fields, with the
 * directory-owned ones read-only and the reason shown; saves only what changed, with If-Match.
 */
import { Button, Group, Select, SimpleGrid, Stack, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useEffect, useState } from 'react';
import { call, client, fieldErrors, messageOf, type User } from '../api/client';
import { Section } from '../components/Section';
import { ProfileFieldInput, type ProfileValue } from '../components/ProfileFieldInput';
import { Failure } from '../components/states';
import { useExtranets, useProfileFields } from '../lookups';
import { formatDateTime } from '../words';

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

export function DetailsForm(props: {
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
