/**
 * Provisioning overview: the ways accounts come into this site, and how many came by each.
 * Printed, it is the site's record of how accounts are created (which the original product
 * asks every site to write by hand).
 */
import {
  Badge,
  Button,
  Group,
  Paper,
  SimpleGrid,
  Stack,
  Table,
  Text,
  ThemeIcon,
  Title,
  List,
} from '@mantine/core';
import {
  IconApi,
  IconFileSpreadsheet,
  IconPrinter,
  IconServer,
  IconUserEdit,
  IconKey,
} from '@tabler/icons-react';
import type { ReactNode } from 'react';
import type { Overview } from '../api/client';
import { Page } from '../components/Page';
import { ErrorState, Loading } from '../components/states';
import { useOverview } from '../lookups';
import {
  AUTHORITY_LABEL,
  ORIGIN_LABEL,
  ORIGIN_SHORT,
  STATE_LABEL,
  formatDate,
  formatDateTime,
} from '../words';
import { agree, plural } from '../plural';
import { lastRunSentence, scheduleSentence } from './DirectoriesCommon';

const n = (x: number) => x.toLocaleString();

function WayIn(props: { icon: ReactNode; title: string; inUse: boolean; children: ReactNode }) {
  return (
    <Paper withBorder p="md" aria-label={props.title} component="section">
      <Group justify="space-between" mb="xs" wrap="nowrap">
        <Group gap="sm" wrap="nowrap">
          <ThemeIcon variant="light" size={34} radius="md" color={props.inUse ? 'blue' : 'gray'}>
            {props.icon}
          </ThemeIcon>
          <Title order={3} fz="md">
            {props.title}
          </Title>
        </Group>
        <Badge
          style={{ flexShrink: 0 }}
          variant={props.inUse ? 'filled' : 'light'}
          color={props.inUse ? 'teal' : 'gray'}
        >
          {props.inUse ? 'In use' : 'Not used'}
        </Badge>
      </Group>
      <Text size="sm" c="dimmed">
        {props.children}
      </Text>
    </Paper>
  );
}

type IdentityProviderRow = Overview['ways_in']['sso']['identity_providers'][number];

/** One IdP's three provisioning options in the original product's words, and what it made. */
export function idpSentence(p: IdentityProviderRow): string {
  return [
    `${p.protocol.toUpperCase()}${p.enabled ? '' : ', turned off'}`,
    `Allow users to be provisioned on first login: ${p.provision_on_first_login ? 'Yes' : 'No'}`,
    `URL to redirect to if the user is not found: ${p.not_found_redirect_url ?? 'none'}`,
    `Enable SSO user provisioning even if directories are present: ${p.provision_even_if_directories ? 'Yes' : 'No'}`,
    `${plural(p.accounts, 'account')} made at first login`,
  ].join('; ');
}

/** The record in sentences: what the site keeps, printed or copied. */
export function summarySentences(o: Overview): string[] {
  const w = o.ways_in;
  const lines: string[] = [];
  lines.push(
    `This site has ${plural(o.total, 'account')}: ${n(o.local)} managed locally by People administrators and ${n(o.synced)} managed by user directories.`,
  );
  lines.push(
    w.manual.in_use
      ? `People administrators add accounts one by one in the console or on the command line (${plural(w.manual.accounts, 'account')} so far).`
      : 'No accounts have been added one by one in the console.',
  );
  lines.push(
    w.csv.in_use
      ? `Accounts are added and updated from CSV files: ${plural(w.csv.imports_applied, 'import')} applied${w.csv.last_import_at ? `, the latest on ${formatDate(w.csv.last_import_at)}` : ''}; ${plural(w.csv.accounts, 'account')} ${agree(w.csv.accounts, 'was', 'were')} created this way.`
      : 'CSV files are not used to create accounts.',
  );
  lines.push(
    w.api.in_use
      ? `Other systems provision accounts through the People API: ${plural(w.api.keys_active, 'active key')}, ${n(w.api.keys_used_recently)} used in the last ${plural(w.api.recent_days, 'day')}; ${plural(w.api.accounts, 'account')} ${agree(w.api.accounts, 'was', 'were')} created this way.`
      : `The People API is not used to create accounts (${plural(w.api.keys_active, 'active key')}).`,
  );
  lines.push(
    w.directories.in_use
      ? `User directories sync accounts: ${w.directories.list.map((d) => `${d.name} (${d.kind.toUpperCase()}, ${plural(d.accounts, 'account')}; schedule: ${scheduleSentence(d.schedule)}; last run: ${lastRunSentence(d)})`).join(', ')}. Directories own the fields they map; their accounts are blocked, never deleted, when they leave.`
      : 'No user directory (LDAP or SCIM) is connected.',
  );
  lines.push(
    w.sso.identity_providers.length > 0
      ? `Single sign-on: ${w.sso.identity_providers.map((p) => `${p.name} (${idpSentence(p)})`).join(', ')}.`
      : 'No SSO configured: nobody gets an account by signing in through an identity provider.',
  );
  return lines;
}

export function OverviewPage() {
  const overview = useOverview();
  return (
    <Page
      title="Provisioning overview"
      description="How accounts are created on this site, read from the data itself. Print it and keep it as the site's record."
      actions={
        <Button
          className="no-print"
          variant="default"
          leftSection={<IconPrinter size={16} />}
          onClick={() => window.print()}
          disabled={!overview.data}
        >
          Print summary
        </Button>
      }
    >
      {overview.isPending ? (
        <Loading />
      ) : overview.isError ? (
        <ErrorState error={overview.error} onRetry={() => void overview.refetch()} />
      ) : (
        <OverviewBody o={overview.data} />
      )}
    </Page>
  );
}

function OverviewBody({ o }: { o: Overview }) {
  const w = o.ways_in;
  return (
    <Stack gap="lg">
      <Paper withBorder p="lg" component="section" aria-label="Summary">
        <Group justify="space-between" mb="sm">
          <Title order={2} fz="lg">
            Summary
          </Title>
          <Text size="xs" c="dimmed">
            As of {formatDateTime(o.generated_at)}
          </Text>
        </Group>
        <List spacing={6} size="sm">
          {summarySentences(o).map((s) => (
            <List.Item key={s}>{s}</List.Item>
          ))}
        </List>
      </Paper>

      <div>
        <Title order={2} fz="lg" mb="sm">
          Ways in
        </Title>
        <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
          <WayIn icon={<IconUserEdit size={20} />} title="Manual entry" inUse={w.manual.in_use}>
            {plural(w.manual.accounts, 'account')} added one by one in the console or on the command
            line.
          </WayIn>
          <WayIn icon={<IconFileSpreadsheet size={20} />} title="CSV files" inUse={w.csv.in_use}>
            {plural(w.csv.imports_applied, 'import')} applied
            {w.csv.last_import_at
              ? `, the latest on ${formatDate(w.csv.last_import_at)}`
              : ''}; {plural(w.csv.accounts, 'account')} created.
          </WayIn>
          <WayIn icon={<IconApi size={20} />} title="People API" inUse={w.api.in_use}>
            <IconKey size={12} /> {plural(w.api.keys_active, 'active key')},{' '}
            {n(w.api.keys_used_recently)} used in the last {plural(w.api.recent_days, 'day')};{' '}
            {plural(w.api.accounts, 'account')} created.
          </WayIn>
          <WayIn
            icon={<IconServer size={20} />}
            title="User directories"
            inUse={w.directories.in_use}
          >
            {w.directories.list.length === 0
              ? 'No LDAP or SCIM directory is connected.'
              : w.directories.list
                  .map(
                    (d) =>
                      `${d.name} (${d.kind.toUpperCase()}): ${plural(d.accounts, 'account')}; schedule: ${scheduleSentence(d.schedule)}; last run: ${lastRunSentence(d)}`,
                  )
                  .join('; ')}
          </WayIn>
          <WayIn icon={<IconKey size={20} />} title="Single sign-on" inUse={w.sso.in_use}>
            {w.sso.identity_providers.length === 0
              ? 'No SSO configured.'
              : w.sso.identity_providers.map((p) => (
                  <span key={p.id} style={{ display: 'block' }}>
                    {p.name}: {idpSentence(p)}.
                  </span>
                ))}
          </WayIn>
        </SimpleGrid>
      </div>

      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Paper withBorder component="section" aria-label="Accounts by origin">
          <Title order={2} fz="lg" p="md" pb={0}>
            Accounts by origin
          </Title>
          <Table verticalSpacing="xs" mt="xs" aria-label="Accounts by origin">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Created by</Table.Th>
                <Table.Th ta="right">Accounts</Table.Th>
                <Table.Th>Latest</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {o.by_origin.map((r) => (
                <Table.Tr key={r.origin} c={r.count === 0 ? 'dimmed' : undefined}>
                  <Table.Td title={ORIGIN_LABEL[r.origin]}>
                    {ORIGIN_SHORT[r.origin] ?? r.origin}
                  </Table.Td>
                  <Table.Td ta="right" className="tabular">
                    {n(r.count)}
                  </Table.Td>
                  <Table.Td>{formatDate(r.last_created_at)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Paper>
        <Stack>
          <Paper withBorder component="section" aria-label="Accounts by authority">
            <Title order={2} fz="lg" p="md" pb={0}>
              Accounts by authority
            </Title>
            <Table verticalSpacing="xs" mt="xs" aria-label="Accounts by authority">
              <Table.Tbody>
                <Table.Tr>
                  <Table.Td>Managed locally</Table.Td>
                  <Table.Td ta="right" className="tabular">
                    {n(o.local)}
                  </Table.Td>
                </Table.Tr>
                <Table.Tr>
                  <Table.Td>Managed by a directory</Table.Td>
                  <Table.Td ta="right" className="tabular">
                    {n(o.synced)}
                  </Table.Td>
                </Table.Tr>
                {o.by_password_authority.map((r) => (
                  <Table.Tr key={r.authority}>
                    <Table.Td>{AUTHORITY_LABEL[r.authority] ?? r.authority}</Table.Td>
                    <Table.Td ta="right" className="tabular">
                      {n(r.count)}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Paper>
          <Paper withBorder component="section" aria-label="Accounts by state">
            <Title order={2} fz="lg" p="md" pb={0}>
              Accounts by state
            </Title>
            <Table verticalSpacing="xs" mt="xs" aria-label="Accounts by state">
              <Table.Tbody>
                {o.by_state.map((r) => (
                  <Table.Tr key={r.state}>
                    <Table.Td>{STATE_LABEL[r.state] ?? r.state}</Table.Td>
                    <Table.Td ta="right" className="tabular">
                      {n(r.count)}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Paper>
        </Stack>
      </SimpleGrid>
    </Stack>
  );
}
