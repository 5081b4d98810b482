/** The signed-in frame: header, navigation (a drawer on small screens) and the page. */
import {
  AppShell,
  Avatar,
  Burger,
  Group,
  Menu,
  NavLink,
  ScrollArea,
  Text,
  UnstyledButton,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import {
  IconAddressBook,
  IconChartPie,
  IconDownload,
  IconFileUpload,
  IconForms,
  IconHistory,
  IconKey,
  IconLogin,
  IconRefresh,
  IconServer2,
  IconLogout,
  IconShieldLock,
  IconUserPlus,
  IconUsersGroup,
  IconWorld,
  IconChevronDown,
} from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { Link, Outlet, useLocation } from 'react-router';
import { useSession } from '../session';

interface NavItem {
  to: string;
  label: string;
  icon: ReactNode;
  exact?: boolean;
}

const PEOPLE: NavItem[] = [
  { to: '/users', label: 'Staff list', icon: <IconAddressBook size={18} />, exact: true },
  { to: '/users/new', label: 'Add a new user', icon: <IconUserPlus size={18} /> },
  { to: '/import', label: 'Add/update from CSV file', icon: <IconFileUpload size={18} /> },
  { to: '/export', label: 'Export users', icon: <IconDownload size={18} /> },
  {
    to: '/directory-sync',
    label: 'Synchronize/Update users from user directory',
    icon: <IconRefresh size={18} />,
  },
];
const ORGANISE: NavItem[] = [
  { to: '/groups', label: 'Groups', icon: <IconUsersGroup size={18} /> },
  { to: '/roles', label: 'Roles', icon: <IconShieldLock size={18} /> },
  { to: '/extranets', label: 'Extranet areas', icon: <IconWorld size={18} /> },
  { to: '/profile-fields', label: 'Profile fields', icon: <IconForms size={18} /> },
];
const ADMIN: NavItem[] = [
  { to: '/overview', label: 'Provisioning overview', icon: <IconChartPie size={18} /> },
  { to: '/directories', label: 'User directories', icon: <IconServer2 size={18} /> },
  { to: '/login-handler', label: 'Login handler', icon: <IconLogin size={18} /> },
  { to: '/api-keys', label: 'API keys', icon: <IconKey size={18} /> },
  { to: '/audit', label: 'Audit log', icon: <IconHistory size={18} /> },
];

function Section({
  title,
  items,
  onNavigate,
}: {
  title: string;
  items: NavItem[];
  onNavigate(): void;
}) {
  const { pathname } = useLocation();
  return (
    <div>
      <Text size="xs" fw={700} c="dimmed" tt="uppercase" px="sm" mt="md" mb={4}>
        {title}
      </Text>
      {items.map((item) => {
        const active = item.exact
          ? pathname === item.to || (/^\/users\/\d+/.test(pathname) && item.to === '/users')
          : pathname.startsWith(item.to);
        return (
          <NavLink
            key={item.to}
            component={Link}
            to={item.to}
            label={item.label}
            leftSection={item.icon}
            active={active}
            aria-current={active ? 'page' : undefined}
            onClick={onNavigate}
            style={{ borderRadius: 6 }}
          />
        );
      })}
    </div>
  );
}

export function Layout() {
  const [opened, { toggle, close }] = useDisclosure();
  const { session, signOut } = useSession();
  const name = session ? `${session.user.firstname} ${session.user.surname}` : '';
  const initials = session
    ? `${session.user.firstname.charAt(0)}${session.user.surname.charAt(0)}`
    : '';

  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 260, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding="lg"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Group gap="sm">
            <Burger
              opened={opened}
              onClick={toggle}
              hiddenFrom="sm"
              size="sm"
              aria-label="Toggle navigation"
            />
            <UnstyledButton component={Link} to="/users" aria-label="Gatehouse home">
              <Group gap={8}>
                <img src="/favicon.svg" alt="" width={26} height={26} />
                <Text fw={700} size="lg">
                  Gatehouse
                </Text>
                <Text size="sm" c="dimmed" visibleFrom="xs">
                  People administration
                </Text>
              </Group>
            </UnstyledButton>
          </Group>
          <Menu position="bottom-end" width={200}>
            <Menu.Target>
              <UnstyledButton aria-label={`Account menu for ${name}`}>
                <Group gap={8}>
                  <Avatar radius="xl" size={30} color="blue">
                    {initials}
                  </Avatar>
                  <Text size="sm" fw={500} visibleFrom="xs">
                    {name}
                  </Text>
                  <IconChevronDown size={14} />
                </Group>
              </UnstyledButton>
            </Menu.Target>
            <Menu.Dropdown>
              <Menu.Label>{session?.user.username}</Menu.Label>
              <Menu.Item component={Link} to="/change-password">
                Change my password
              </Menu.Item>
              <Menu.Item
                leftSection={<IconLogout size={16} />}
                color="red"
                onClick={() => {
                  // /sso/logout goes on to the IdP's logout URL when the session came from SSO.
                  void signOut().then(() => window.location.assign('/sso/logout'));
                }}
              >
                Sign out
              </Menu.Item>
            </Menu.Dropdown>
          </Menu>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="sm" aria-label="Main navigation">
        <AppShell.Section grow component={ScrollArea}>
          <Section title="People" items={PEOPLE} onNavigate={close} />
          <Section title="Organisation" items={ORGANISE} onNavigate={close} />
          <Section title="Administration" items={ADMIN} onNavigate={close} />
        </AppShell.Section>
      </AppShell.Navbar>
      <AppShell.Main bg="gray.0">
        <Outlet />
      </AppShell.Main>
    </AppShell>
  );
}
