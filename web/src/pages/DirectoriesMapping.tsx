/**
 * The mapping editor: each Gatehouse field or profile field a directory fills, and the
 * attribute it comes from. Kept as rows (not an object) while editing, so a row can be
 * half-filled; `mappingOf` turns the rows back into the API's object.
 */
import { ActionIcon, Button, Group, Select, Stack, Text, TextInput } from '@mantine/core';
import { IconPlus, IconTrash } from '@tabler/icons-react';
import { useProfileFields } from '../lookups';
import { FIELD_LABEL } from '../words';

export interface MappingRow {
  target: string;
  attribute: string;
}

/** The Gatehouse fields a directory may fill (the core's MAPPABLE_TARGETS). */
const FIELDS = [
  'firstname',
  'surname',
  'email',
  'user_code',
  'job_title',
  'department',
  'office',
  'phone',
  'mobile',
  'manager_id',
];

export function rowsOf(mapping: Record<string, string>): MappingRow[] {
  return Object.entries(mapping).map(([target, attribute]) => ({ target, attribute }));
}

export function mappingOf(rows: MappingRow[]): Record<string, string> {
  return Object.fromEntries(
    rows.filter((r) => r.target && r.attribute.trim()).map((r) => [r.target, r.attribute.trim()]),
  );
}

export function targetLabel(target: string, kind: 'ldap' | 'scim' = 'ldap'): string {
  if (target.startsWith('profile.')) return `Profile: ${target.slice('profile.'.length)}`;
  // LDAP names a manager by DN; SCIM by the manager's SCIM id (the enterprise extension's).
  if (target === 'manager_id') return kind === 'ldap' ? 'Manager (a DN attribute)' : 'Manager';
  return FIELD_LABEL[target] ?? target;
}

export function MappingEditor({
  rows,
  onChange,
  errors,
  kind = 'ldap',
}: {
  /** LDAP attributes or SCIM attribute paths: only the labels and hints differ. */
  kind?: 'ldap' | 'scim';
  rows: MappingRow[];
  onChange(rows: MappingRow[]): void;
  /** Field errors from the server, keyed "mapping.<target>". */
  errors: Record<string, string>;
}) {
  const profile = useProfileFields();
  const used = new Set(rows.map((r) => r.target));
  const options = [
    ...FIELDS.map((f) => ({ value: f, label: targetLabel(f, kind) })),
    ...(profile.data?.data ?? []).map((f) => ({
      value: `profile.${f.name}`,
      label: `Profile: ${f.label}`,
    })),
  ];
  const set = (i: number, patch: Partial<MappingRow>) =>
    onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <Stack gap="xs" aria-label="Mapping">
      {rows.length === 0 && (
        <Text size="sm" c="dimmed">
          Nothing is mapped: accounts get only their username from the directory.
        </Text>
      )}
      {rows.map((r, i) => (
        <Group key={i} gap="xs" align="flex-start" wrap="nowrap">
          <Select
            aria-label={`Gatehouse field ${i + 1}`}
            placeholder="Gatehouse field"
            data={options.filter((o) => o.value === r.target || !used.has(o.value))}
            value={r.target || null}
            onChange={(v) => set(i, { target: v ?? '' })}
            searchable
            w={260}
            error={errors[`mapping.${r.target}`]}
          />
          <Text pt={6} c="dimmed" aria-hidden>
            ←
          </Text>
          <TextInput
            aria-label={`Directory attribute for ${r.target ? targetLabel(r.target, kind) : `field ${i + 1}`}`}
            placeholder={
              kind === 'scim' ? 'SCIM attribute, e.g. name.givenName' : 'attribute, e.g. givenName'
            }
            value={r.attribute}
            onChange={(e) => set(i, { attribute: e.currentTarget.value })}
            style={{ flex: 1 }}
            ff="monospace"
          />
          <ActionIcon
            variant="subtle"
            color="red"
            mt={4}
            aria-label={`Remove mapping ${r.target ? targetLabel(r.target, kind) : i + 1}`}
            onClick={() => onChange(rows.filter((_, j) => j !== i))}
          >
            <IconTrash size={16} />
          </ActionIcon>
        </Group>
      ))}
      <Group>
        <Button
          variant="light"
          size="xs"
          leftSection={<IconPlus size={14} />}
          onClick={() => onChange([...rows, { target: '', attribute: '' }])}
        >
          Map another field
        </Button>
      </Group>
    </Stack>
  );
}
