/**
 * User directories (sysadmins): the LDAP / Active Directory connections accounts are synced
 * from, the SCIM connections Okta or Entra ID push them through, and adding one. An LDAP
 * preset's defaults (filter, attributes, mapping) are filled by the server, so the console
 * never keeps its own copy of them: after adding, the directory's page shows them for review.
 * A new SCIM directory's URL and token go to its page, which shows the token once.
 */
import {
  Badge,
  Button,
  Group,
  Modal,
  Paper,
  PasswordInput,
  SegmentedControl,
  Stack,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { useQueryClient } from '@tanstack/react-query';
import { IconPlus } from '@tabler/icons-react';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { call, client, fieldErrors, messageOf } from '../api/client';
import { Page } from '../components/Page';
import { QueryContent } from '../components/QueryContent';
import { Empty, Failure } from '../components/states';
import { lastRunSentence, scheduleSentence, useDirectories } from './DirectoriesCommon';
import { handOverToken } from './DirectoriesScim';

export function DirectoriesPage() {
  const directories = useDirectories();
  const [adding, setAdding] = useState(false);
  const add = (
    <Button leftSection={<IconPlus size={16} />} onClick={() => setAdding(true)}>
      Add a directory
    </Button>
  );
  return (
    <Page
      title="User directories"
      description="The LDAP and Active Directory servers accounts are synced from, and the SCIM connections Okta or Entra ID push them through. A directory owns the accounts it syncs: their state, their password and every mapped field."
      actions={add}
    >
      <QueryContent
        query={directories}
        isEmpty={(d) => d.data.length === 0}
        empty={
          <Empty title="No user directories yet" action={add}>
            Connect Gatehouse to OpenLDAP or Active Directory and preview what a sync would do, or
            give Okta or Entra ID a SCIM URL and token to push users and groups.
          </Empty>
        }
      >
        {(data) => (
          <Paper withBorder>
            <Table.ScrollContainer minWidth={700}>
              <Table verticalSpacing="sm" aria-label="User directories">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Name</Table.Th>
                    <Table.Th>Server</Table.Th>
                    <Table.Th>Accounts</Table.Th>
                    <Table.Th>Schedule</Table.Th>
                    <Table.Th>Last run</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {data.data.map((d) => (
                    <Table.Tr key={d.id}>
                      <Table.Td fw={500}>
                        <Link to={`/directories/${d.id}`}>{d.name}</Link>{' '}
                        {d.type === 'ldap' && d.active_directory && (
                          <Badge size="xs" variant="light">
                            Active Directory
                          </Badge>
                        )}
                        {d.type === 'scim' && (
                          <Badge size="xs" variant="light" color="grape">
                            SCIM
                          </Badge>
                        )}
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm" ff="monospace">
                          {d.type === 'scim' ? 'pushed over SCIM' : (d.url ?? '—')}
                        </Text>
                      </Table.Td>
                      <Table.Td className="tabular">{d.accounts.toLocaleString()}</Table.Td>
                      <Table.Td>{scheduleSentence(d.schedule)}</Table.Td>
                      <Table.Td>{lastRunSentence(d)}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          </Paper>
        )}
      </QueryContent>
      {adding && <AddDirectoryModal onClose={() => setAdding(false)} />}
    </Page>
  );
}

const PRESET_HINT = {
  openldap: { url: 'ldap://ldap.example.org', bind: 'cn=gatehouse,dc=example,dc=org' },
  active_directory: {
    url: 'ldaps://dc1.example.org',
    bind: 'CN=Gatehouse,OU=Service Accounts,DC=example,DC=org',
  },
};

function AddDirectoryModal({ onClose }: { onClose(): void }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const form = useForm({
    initialValues: {
      preset: 'openldap' as 'openldap' | 'active_directory' | 'scim',
      name: '',
      url: '',
      bind_dn: '',
      bind_password: '',
      base_dn: '',
    },
    validate: {
      name: (v) => (v.trim() ? null : 'Name is required.'),
      url: (v, all) =>
        all.preset === 'scim' || /^ldaps?:\/\/\S+$/i.test(v.trim())
          ? null
          : 'Must start with ldap:// or ldaps://.',
      base_dn: (v, all) => (all.preset === 'scim' || v.trim() ? null : 'Base DN is required.'),
    },
  });
  const scim = form.values.preset === 'scim';
  const hint =
    form.values.preset === 'scim' ? PRESET_HINT.openldap : PRESET_HINT[form.values.preset];
  const submit = form.onSubmit((v) => {
    setBusy(true);
    setFailure(null);
    call(
      client.POST('/api/people/v2/directories', {
        body:
          v.preset === 'scim'
            ? { type: 'scim', name: v.name.trim() }
            : {
                type: 'ldap',
                preset: v.preset,
                name: v.name.trim(),
                url: v.url.trim(),
                bind_dn: v.bind_dn.trim(),
                base_dn: v.base_dn.trim(),
                ...(v.bind_password ? { bind_password: v.bind_password } : {}),
              },
      }),
    )
      .then((d) => {
        if (d.scim_url && d.token) handOverToken(d.id, { scim_url: d.scim_url, token: d.token });
        void queryClient.invalidateQueries({ queryKey: ['directories'] });
        void queryClient.invalidateQueries({ queryKey: ['overview'] });
        void navigate(`/directories/${d.id}`);
      })
      .catch((err: unknown) => {
        form.setErrors(fieldErrors(err));
        setFailure(messageOf(err));
      })
      .finally(() => setBusy(false));
  });
  return (
    <Modal opened onClose={onClose} title="Add a user directory" size="lg">
      <form onSubmit={submit} noValidate>
        <Stack>
          {failure && <Failure>{failure}</Failure>}
          <div>
            <Text size="sm" fw={500} mb={4} id="preset-label">
              Kind of directory
            </Text>
            <SegmentedControl
              aria-labelledby="preset-label"
              data={[
                { value: 'openldap', label: 'OpenLDAP' },
                { value: 'active_directory', label: 'Active Directory' },
                { value: 'scim', label: 'SCIM (Okta, Entra ID)' },
              ]}
              {...form.getInputProps('preset')}
            />
            <Text size="xs" c="dimmed" mt={4}>
              {scim
                ? 'The identity provider pushes users and groups to a SCIM URL with a token; the next page shows both, the token once.'
                : "Fills the user filter, the attributes and the mapping with this kind's defaults; you can review and change them on the next page."}
            </Text>
          </div>
          <TextInput
            label="Name"
            required
            placeholder={scim ? 'Okta' : 'Head office'}
            {...form.getInputProps('name')}
          />
          {!scim && (
            <>
              <TextInput
                label="Server URL"
                required
                placeholder={hint.url}
                {...form.getInputProps('url')}
              />
              <TextInput
                label="Bind DN"
                placeholder={hint.bind}
                {...form.getInputProps('bind_dn')}
              />
              <PasswordInput
                label="Bind password"
                description="Stored encrypted; never shown again."
                autoComplete="new-password"
                {...form.getInputProps('bind_password')}
              />
              <TextInput
                label="Base DN"
                required
                placeholder="ou=people,dc=example,dc=org"
                {...form.getInputProps('base_dn')}
              />
            </>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={busy}>
              Add directory
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
