/** Pick one or several people by typing part of a name (manager, direct reports). */
import { MultiSelect, Select } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { call, client, type User } from '../api/client';
import { fullName } from '../words';

const label = (u: User) => `${fullName(u)} (${u.username})`;

function useUserSearch(search: string) {
  const [q] = useDebouncedValue(search.trim(), 200);
  return useQuery({
    queryKey: ['users', 'picker', q],
    queryFn: () =>
      call(
        client.GET('/api/people/v2/users', {
          params: { query: { limit: 20, sort: 'surname', ...(q ? { q } : {}) } },
        }),
      ),
  });
}

export function UserPicker(props: {
  label: string;
  description?: string;
  value: number | null;
  known?: { id: number; label: string } | null;
  exclude?: number;
  error?: React.ReactNode;
  disabled?: boolean;
  onChange(id: number | null, label: string | null): void;
}) {
  const [search, setSearch] = useState('');
  const results = useUserSearch(search);
  const [labels, setLabels] = useState<Map<string, string>>(
    () => new Map(props.known ? [[String(props.known.id), props.known.label]] : []),
  );
  const options = new Map(labels);
  for (const u of results.data?.data ?? [])
    if (u.id !== props.exclude) options.set(String(u.id), label(u));
  return (
    <Select
      label={props.label}
      description={props.description}
      placeholder="Type a name to search"
      searchable
      clearable
      disabled={props.disabled}
      error={props.error}
      nothingFoundMessage={results.isFetching ? 'Searching…' : 'Nobody matches'}
      filter={({ options: o }) => o}
      data={[...options].map(([value, l]) => ({ value, label: l }))}
      value={props.value === null ? null : String(props.value)}
      searchValue={search}
      onSearchChange={setSearch}
      onChange={(v) => {
        const l = v ? (options.get(v) ?? null) : null;
        if (v && l) setLabels((m) => new Map(m).set(v, l));
        props.onChange(v ? Number(v) : null, l);
      }}
    />
  );
}

export function UsersPicker(props: {
  label: string;
  description?: string;
  value: number[];
  known?: { id: number; label: string }[];
  exclude?: number;
  error?: React.ReactNode;
  onChange(ids: number[]): void;
}) {
  const [search, setSearch] = useState('');
  const results = useUserSearch(search);
  const [labels, setLabels] = useState<Map<string, string>>(
    () => new Map((props.known ?? []).map((k) => [String(k.id), k.label])),
  );
  const options = new Map(labels);
  for (const u of results.data?.data ?? [])
    if (u.id !== props.exclude) options.set(String(u.id), label(u));
  return (
    <MultiSelect
      label={props.label}
      description={props.description}
      placeholder="Type a name to add"
      searchable
      clearable
      error={props.error}
      nothingFoundMessage={results.isFetching ? 'Searching…' : 'Nobody matches'}
      filter={({ options: o }) => o}
      data={[...options].map(([value, l]) => ({ value, label: l }))}
      value={props.value.map(String)}
      searchValue={search}
      onSearchChange={setSearch}
      onChange={(vs) => {
        setLabels((m) => {
          const next = new Map(m);
          for (const v of vs) {
            const l = options.get(v);
            if (l) next.set(v, l);
          }
          return next;
        });
        props.onChange(vs.map(Number));
      }}
    />
  );
}
