/** The console's pages and the guard that sends signed-out visitors to the sign-in page. */
import { Navigate, Outlet, createBrowserRouter, useLocation } from 'react-router';
import { Center } from '@mantine/core';
import { Layout } from './components/Layout';
import { Loading } from './components/states';
import { useSession } from './session';
import { SignInPage } from './pages/SignIn';
import { LoginHandlerPage } from './pages/login-handler';
import { ChangePasswordPage } from './pages/ChangePassword';
import { StaffListPage } from './pages/StaffList';
import { AddUserPage } from './pages/AddUser';
import { PersonPage } from './pages/Person';
import { CollectionPage } from './pages/Collections';
import { ProfileFieldsPage } from './pages/ProfileFields';
import { ApiKeysPage } from './pages/ApiKeys';
import { AuditLogPage } from './pages/AuditLog';
import { OverviewPage } from './pages/Overview';
import { ImportPage } from './pages/Import';
import { ExportPage } from './pages/Export';
import { NotFoundPage } from './pages/NotFound';
import { DirectoriesPage } from './pages/Directories';
import { DirectoryEditPage } from './pages/DirectoriesEdit';
import { DirectorySyncPage } from './pages/DirectorySync';

function RequireSession() {
  const { session, loading } = useSession();
  const location = useLocation();
  if (loading)
    return (
      <Center h="100vh">
        <Loading />
      </Center>
    );
  if (!session)
    return (
      <Navigate
        to={`/sign-in?next=${encodeURIComponent(location.pathname + location.search)}${
          // ?no_auto=1 (no seamless SSO) survives the console's redirects.
          new URLSearchParams(location.search).get('no_auto') === '1' ? '&no_auto=1' : ''
        }`}
        replace
      />
    );
  if (session.mustChangePassword && location.pathname !== '/change-password')
    return <Navigate to="/change-password" replace />;
  return <Outlet />;
}

export const router = createBrowserRouter([
  { path: '/sign-in', element: <SignInPage /> },
  // The original product's sign-in path (SSO login handler): the same page.
  { path: '/login', element: <SignInPage /> },
  {
    element: <RequireSession />,
    children: [
      { path: '/change-password', element: <ChangePasswordPage /> },
      {
        element: <Layout />,
        children: [
          { path: '/', element: <Navigate to="/users" replace /> },
          { path: '/users', element: <StaffListPage /> },
          { path: '/users/new', element: <AddUserPage /> },
          { path: '/users/:id', element: <PersonPage /> },
          { path: '/groups', element: <CollectionPage kind="groups" /> },
          { path: '/roles', element: <CollectionPage kind="roles" /> },
          { path: '/extranets', element: <CollectionPage kind="extranets" /> },
          { path: '/profile-fields', element: <ProfileFieldsPage /> },
          { path: '/api-keys', element: <ApiKeysPage /> },
          { path: '/audit', element: <AuditLogPage /> },
          { path: '/overview', element: <OverviewPage /> },
          { path: '/import', element: <ImportPage /> },
          { path: '/export', element: <ExportPage /> },
          { path: '/directories', element: <DirectoriesPage /> },
          { path: '/login-handler', element: <LoginHandlerPage /> },
          { path: '/directories/:id', element: <DirectoryEditPage /> },
          { path: '/directory-sync', element: <DirectorySyncPage /> },
          { path: '*', element: <NotFoundPage /> },
        ],
      },
    ],
  },
]);
