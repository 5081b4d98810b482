/**
 * Login handler (SSO): identity providers with the original product's three provisioning
 * options and their help text, the SP details to give the IdP, the recent SSO decisions with
 * their reasons, and "Why was this login refused?" (explain).
 */
import {
  Anchor,
  Badge,
  Button,
  Checkbox,
  Group,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Textarea,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { call, client, messageOf } from '../api/client';
import { CopyValue } from '../components/CopyValue';
import { Page } from '../components/Page';
import { ErrorState, Failure, Loading } from '../components/states';
import { formatDateTime } from '../words';
import {
  TEST_LOGIN_HELP,
  TestLoginLink,
  TestLoginResult,
  useSsoDecisions,
} from './login-handler-test';

type Provider = NonNullable<Awaited<ReturnType<typeof listProviders>>>['data'][number];
type Create = Record<string, unknown>;

function text(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function listProviders() {
  return call(client.GET('/api/people/v2/identity-providers'));
}

const OPTIONS = {
  provision: {
    label: 'Allow users to be provisioned on first login',
    help: 'If this option is enabled users that login via SSO who do not already have an account will have one created for them. Note that even if this option is enabled, the two options below may prevent user accounts being created.',
  },
  redirect: {
    label: 'URL to redirect to if the user is not found',
    help: 'If set, users without an account are redirected to this URL instead, and no account is created.',
  },
  directories: {
    label: 'Enable SSO user provisioning even if directories are present',
    help: 'If disabled and the site has one or more user directories (such as LDAP) configured, an account will not be created and the user will be shown a login failure message.',
  },
};

function ProviderForm({ provider, onDone }: { provider?: Provider; onDone: () => void }) {
  const qc = useQueryClient();
  const [type, setType] = useState<'oidc' | 'saml'>(
    (provider?.type as 'oidc' | 'saml' | undefined) ?? 'oidc',
  );
  const [v, setV] = useState<Record<string, string | boolean>>({
    name: provider?.name ?? '',
    button_text: provider?.button_text ?? '',
    enabled: provider?.enabled ?? true,
    provision_on_first_login: provider?.provision_on_first_login ?? false,
    not_found_redirect_url: provider?.not_found_redirect_url ?? '',
    provision_even_if_directories: provider?.provision_even_if_directories ?? false,
    seamless: provider?.seamless ?? false,
    logout_url: provider?.logout_url ?? '',
    issuer: provider?.issuer ?? '',
    client_id: provider?.client_id ?? '',
    client_secret: '',
    metadata_url: provider?.metadata_url ?? '',
    metadata_xml: '',
    mapping: JSON.stringify(provider?.attribute_mapping ?? {}, null, 1),
  });
  const set =
    (k: string) => (e: { currentTarget: { value: string; checked?: boolean; type?: string } }) =>
      setV({
        ...v,
        [k]:
          e.currentTarget.type === 'checkbox' ? !!e.currentTarget.checked : e.currentTarget.value,
      });
  const save = useMutation({
    mutationFn: async () => {
      const body: Create = {
        name: v.name,
        button_text: v.button_text,
        enabled: v.enabled,
        provision_on_first_login: v.provision_on_first_login,
        not_found_redirect_url: v.not_found_redirect_url || null,
        provision_even_if_directories: v.provision_even_if_directories,
        seamless: v.seamless,
        logout_url: v.logout_url || null,
        attribute_mapping: JSON.parse(v.mapping as string) as Record<string, string>,
      };
      if (type === 'oidc') {
        body.issuer = v.issuer;
        body.client_id = v.client_id;
        if (v.client_secret) body.client_secret = v.client_secret;
      } else {
        if (v.metadata_url) body.metadata_url = v.metadata_url;
        if (v.metadata_xml) body.metadata_xml = v.metadata_xml;
      }
      // The form's fields are checked by the server (every problem named at once).
      if (provider)
        await call(
          client.PATCH('/api/people/v2/identity-providers/{id}', {
            params: { path: { id: provider.id } },
            body: body as never,
          }),
        );
      else
        await call(
          client.POST('/api/people/v2/identity-providers', { body: { ...body, type } as never }),
        );
    },
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ['identity-providers'] });
      onDone();
    },
  });
  return (
    <Paper withBorder p="md">
      <Stack>
        {save.error && <Failure>{messageOf(save.error)}</Failure>}
        {!provider && (
          <Select
            label="Protocol"
            data={[
              { value: 'oidc', label: 'OpenID Connect' },
              { value: 'saml', label: 'SAML 2.0' },
            ]}
            value={type}
            onChange={(t) => setType((t as 'oidc' | 'saml') ?? 'oidc')}
          />
        )}
        <TextInput label="Name" value={v.name as string} onChange={set('name')} />
        <TextInput
          label="Login button text"
          value={v.button_text as string}
          onChange={set('button_text')}
        />
        <Checkbox label="Enabled" checked={v.enabled as boolean} onChange={set('enabled')} />
        <Checkbox
          label={OPTIONS.provision.label}
          description={OPTIONS.provision.help}
          checked={v.provision_on_first_login as boolean}
          onChange={set('provision_on_first_login')}
        />
        <TextInput
          label={OPTIONS.redirect.label}
          description={OPTIONS.redirect.help}
          value={v.not_found_redirect_url as string}
          onChange={set('not_found_redirect_url')}
        />
        <Checkbox
          label={OPTIONS.directories.label}
          description={OPTIONS.directories.help}
          checked={v.provision_even_if_directories as boolean}
          onChange={set('provision_even_if_directories')}
        />
        <Checkbox
          label="Seamless SSO (send people straight to the IdP; /login?no_auto=1 shows the form)"
          checked={v.seamless as boolean}
          onChange={set('seamless')}
        />
        <TextInput label="Logout URL" value={v.logout_url as string} onChange={set('logout_url')} />
        {type === 'oidc' ? (
          <>
            <TextInput label="Issuer" value={v.issuer as string} onChange={set('issuer')} />
            <TextInput
              label="Client id"
              value={v.client_id as string}
              onChange={set('client_id')}
            />
            <TextInput
              label="Client secret"
              description={
                provider?.client_secret_set ? 'Set; type a new one to replace it.' : undefined
              }
              type="password"
              value={v.client_secret as string}
              onChange={set('client_secret')}
            />
          </>
        ) : (
          <>
            <TextInput
              label="IdP metadata URL"
              value={v.metadata_url as string}
              onChange={set('metadata_url')}
            />
            <Textarea
              label="or IdP metadata XML"
              autosize
              minRows={2}
              maxRows={6}
              value={v.metadata_xml as string}
              onChange={set('metadata_xml')}
            />
          </>
        )}
        <Textarea
          label="Attribute mapping (JSON: Gatehouse field → attribute or claim)"
          autosize
          minRows={3}
          value={v.mapping as string}
          onChange={set('mapping')}
        />
        <Group>
          <Button loading={save.isPending} onClick={() => save.mutate()}>
            Save
          </Button>
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

function Explain({ providers }: { providers: Provider[] }) {
  const [id, setId] = useState<string | null>(providers[0] ? String(providers[0].id) : null);
  const [who, setWho] = useState('');
  const ask = useMutation({
    mutationFn: () =>
      call(
        client.POST('/api/people/v2/identity-providers/{id}/explain', {
          params: { path: { id: Number(id) } },
          body: who.includes('@') ? { email: who } : { username: who },
        }),
      ),
  });
  return (
    <Paper withBorder p="md">
      <Title order={4}>Why was this login refused?</Title>
      <Group align="end" mt="sm">
        <Select
          label="Identity provider"
          data={providers.map((p) => ({ value: String(p.id), label: p.name }))}
          value={id}
          onChange={setId}
        />
        <TextInput
          label="Username or email"
          value={who}
          onChange={(e) => setWho(e.currentTarget.value)}
        />
        <Button onClick={() => ask.mutate()} disabled={!id || !who}>
          Explain
        </Button>
      </Group>
      {ask.error && <Failure>{messageOf(ask.error)}</Failure>}
      {ask.data && (
        <Text mt="sm" data-testid="explain-answer">
          <Badge mr="xs">{ask.data.outcome}</Badge>
          {ask.data.reason}
        </Text>
      )}
    </Paper>
  );
}

function Decisions() {
  const q = useSsoDecisions();
  if (q.isLoading) return <Loading />;
  if (q.error) return <ErrorState error={q.error} />;
  const rows = q.data?.data ?? [];
  return (
    <Paper withBorder p="md">
      <Title order={4}>Recent SSO decisions</Title>
      <Table mt="sm">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>When</Table.Th>
            <Table.Th>Who</Table.Th>
            <Table.Th>Outcome</Table.Th>
            <Table.Th>Reason</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((r) => (
            <Table.Tr key={r.id}>
              <Table.Td>{formatDateTime(r.at)}</Table.Td>
              <Table.Td>{r.actor}</Table.Td>
              <Table.Td>{text(r.changes?.outcome?.[1])}</Table.Td>
              <Table.Td>{text(r.changes?.reason?.[1])}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Paper>
  );
}

export function LoginHandlerPage() {
  const q = useQuery({ queryKey: ['identity-providers'], queryFn: listProviders });
  const [editing, setEditing] = useState<Provider | 'new' | null>(null);
  return (
    <Page
      title="Login handler"
      description="Sign-in through your identity providers (SAML 2.0, OpenID Connect) and what happens at a person's first login."
      actions={<Button onClick={() => setEditing('new')}>Add identity provider</Button>}
    >
      <Stack>
        {editing && (
          <ProviderForm
            provider={editing === 'new' ? undefined : editing}
            onDone={() => setEditing(null)}
          />
        )}
        {q.data && <TestLoginResult providers={q.data.data} />}
        {q.isLoading && <Loading />}
        {q.error && <ErrorState error={q.error} />}
        {q.data && q.data.data.length > 0 && (
          <Text size="sm" c="dimmed">
            {TEST_LOGIN_HELP}
          </Text>
        )}
        {q.data?.data.map((p) => (
          <Paper withBorder p="md" key={p.id}>
            <Group justify="space-between">
              <Title order={4}>
                {p.name} <Badge>{p.type.toUpperCase()}</Badge>{' '}
                {!p.enabled && <Badge color="gray">disabled</Badge>}
              </Title>
              <Group>
                <TestLoginLink provider={p} />
                <Button variant="default" size="xs" onClick={() => setEditing(p)}>
                  Edit
                </Button>
              </Group>
            </Group>
            <SimpleGrid cols={{ base: 1, md: 2 }} mt="sm">
              <Stack gap={4}>
                <Text size="sm">
                  {OPTIONS.provision.label}: <b>{p.provision_on_first_login ? 'Yes' : 'No'}</b>
                </Text>
                <Text size="sm">
                  {OPTIONS.redirect.label}: <b>{p.not_found_redirect_url ?? 'not set'}</b>
                </Text>
                <Text size="sm">
                  {OPTIONS.directories.label}:{' '}
                  <b>{p.provision_even_if_directories ? 'Yes' : 'No'}</b>
                </Text>
                <Text size="sm">Accounts made at first login: {p.accounts_made}</Text>
              </Stack>
              <Stack gap={4}>
                {p.type === 'saml' ? (
                  <>
                    <Text size="sm">SP entity id</Text>
                    <CopyValue label="SP entity id" value={p.sp_entity_id ?? ''} />
                    <Text size="sm">ACS URL (HTTP-POST)</Text>
                    <CopyValue label="ACS URL" value={p.acs_url ?? ''} />
                    <Text size="sm">
                      SP metadata (
                      <Anchor href={p.sp_metadata_url} download>
                        download
                      </Anchor>
                      )
                    </Text>
                    <CopyValue label="SP metadata URL" value={p.sp_metadata_url ?? ''} />
                  </>
                ) : (
                  <>
                    <Text size="sm">Redirect URI to register at the IdP</Text>
                    <CopyValue label="Redirect URI" value={p.redirect_uri ?? ''} />
                  </>
                )}
              </Stack>
            </SimpleGrid>
          </Paper>
        ))}
        {q.data && q.data.data.length > 0 && <Explain providers={q.data.data} />}
        <Decisions />
      </Stack>
    </Page>
  );
}
