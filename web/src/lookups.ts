/** Lists many pages need (extranet areas, directories, groups, roles), cached by TanStack Query. */
import { useQuery } from '@tanstack/react-query';
import { call, client } from './api/client';

export function useExtranets() {
  return useQuery({
    queryKey: ['extranets', 'all'],
    queryFn: () =>
      call(client.GET('/api/people/v2/extranets', { params: { query: { limit: 200 } } })),
    staleTime: 60_000,
  });
}

export function useCollectionList(kind: 'groups' | 'roles') {
  return useQuery({
    queryKey: [kind, 'all'],
    queryFn: () =>
      call(client.GET(`/api/people/v2/${kind}`, { params: { query: { limit: 200 } } })),
    staleTime: 60_000,
  });
}

export function useProfileFields() {
  return useQuery({
    queryKey: ['profile-fields'],
    queryFn: () => call(client.GET('/api/people/v2/profile-fields')),
    staleTime: 60_000,
  });
}

/** Directories come with the provisioning overview (the API has no list of its own yet). */
export function useOverview() {
  return useQuery({
    queryKey: ['overview'],
    queryFn: () => call(client.GET('/api/people/v2/overview')),
  });
}

/**
 * Why a group (or an account's field) cannot be changed here: the directory that syncs it
 * owns it. Undefined when no directory does. One sentence for accounts and groups alike.
 */
export function useOwnedReason(): (directoryId: number | null | undefined) => string | undefined {
  const overview = useOverview();
  return (directoryId) => {
    if (directoryId === null || directoryId === undefined) return undefined;
    const d = overview.data?.ways_in.directories.list.find((x) => x.id === directoryId);
    return d
      ? `Managed by the directory “${d.name}”: change it there.`
      : 'Managed by the directory that syncs it: change it there.';
  };
}
