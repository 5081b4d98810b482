/** Profile fields: the custom fields every person can have (and the CSV columns they add). */
import {
  Badge,
  Button,
  Checkbox,
  Code,
  Group,
  Modal,
  Paper,
  Select,
  Stack,
  Table,
  TagsInput,
  Text,
  TextInput,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useQueryClient } from '@tanstack/react-query';
import { IconPlus } from '@tabler/icons-react';
import { useState } from 'react';
import { call, client, fieldErrors, messageOf } from '../api/client';
import { Page } from '../components/Page';
import { Empty, Failure } from '../components/states';
import { useProfileFields } from '../lookups';
import { QueryContent } from '../components/QueryContent';

const TYPES: { value: string; label: string }[] = [
  { value: 'string', label: 'Text (one line)' },
  { value: 'text', label: 'Text (several lines)' },
  { value: 'integer', label: 'Whole number' },
  { value: 'checkbox', label: 'Checkbox' },
  { value: 'date', label: 'Date' },
  { value: 'date_no_year', label: 'Day of the year' },
  { value: 'datetime', label: 'Date and time' },
  { value: 'select', label: 'Choice from a list' },
  { value: 'multiselect', label: 'Several choices from a list' },
  { value: 'hyperlink', label: 'Link' },
  { value: 'user', label: 'A person' },
  { value: 'address', label: 'Address' },
];
const typeLabel = (t: string) => TYPES.find((x) => x.value === t)?.label ?? t;

export function ProfileFieldsPage() {
  const fields = useProfileFields();
  const [adding, setAdding] = useState(false);
  return (
    <Page
      title="Profile fields"
      description="Custom fields on every person's profile. Each field is also a column of the CSV import and export, named by its symbolic name."
      actions={
        <Button leftSection={<IconPlus size={16} />} onClick={() => setAdding(true)}>
          Add profile field
        </Button>
      }
    >
      <QueryContent
        query={fields}
        isEmpty={(data) => data.data.length === 0}
        empty={
          <Empty
            title="No profile fields yet"
            action={
              <Button variant="light" onClick={() => setAdding(true)}>
                Add profile field
              </Button>
            }
          >
            Add fields such as a start date, a cost centre or a T-shirt size.
          </Empty>
        }
      >
        {(data) => (
          <Paper withBorder>
            <Table.ScrollContainer minWidth={600}>
              <Table verticalSpacing="sm" aria-label="Profile fields">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Label</Table.Th>
                    <Table.Th>Symbolic name (CSV column)</Table.Th>
                    <Table.Th>Type</Table.Th>
                    <Table.Th>Options</Table.Th>
                    <Table.Th>Required</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {data.data.map((f) => (
                    <Table.Tr key={f.id}>
                      <Table.Td fw={500}>{f.label}</Table.Td>
                      <Table.Td>
                        <Code>{f.name}</Code>
                      </Table.Td>
                      <Table.Td>{typeLabel(f.type)}</Table.Td>
                      <Table.Td>
                        <Text size="sm" lineClamp={1} maw={260}>
                          {f.options.join(', ') || '—'}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        {f.required ? (
                          <Badge size="sm">Required</Badge>
                        ) : (
                          <Text c="dimmed" size="sm">
                            No
                          </Text>
                        )}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          </Paper>
        )}
      </QueryContent>
      {adding && <AddFieldModal onClose={() => setAdding(false)} />}
    </Page>
  );
}

function AddFieldModal({ onClose }: { onClose(): void }) {
  const queryClient = useQueryClient();
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const form = useForm({
    initialValues: {
      label: '',
      name: '',
      type: 'string',
      options: [] as string[],
      required: false,
    },
    validate: {
      label: (v) => (v.trim() ? null : 'Label is required.'),
      name: (v) =>
        /^[a-z][a-z0-9_]*$/.test(v)
          ? null
          : 'Use lower-case letters, digits and _, starting with a letter.',
      options: (v, all) =>
        (all.type === 'select' || all.type === 'multiselect') && v.length === 0
          ? 'Give at least one option.'
          : null,
    },
  });
  const withOptions = form.values.type === 'select' || form.values.type === 'multiselect';
  return (
    <Modal opened onClose={onClose} title="Add profile field" centered>
      <form
        noValidate
        onSubmit={form.onSubmit((v) => {
          setBusy(true);
          setFailure(null);
          call(
            client.POST('/api/people/v2/profile-fields', {
              body: {
                label: v.label.trim(),
                name: v.name,
                type: v.type as 'string',
                required: v.required,
                ...(withOptions ? { options: v.options } : {}),
              },
            }),
          )
            .then(async () => {
              notifications.show({ color: 'teal', message: 'The profile field was added.' });
              await queryClient.invalidateQueries({ queryKey: ['profile-fields'] });
              onClose();
            })
            .catch((err: unknown) => {
              const errors = fieldErrors(err);
              if (Object.keys(errors).length) form.setErrors(errors);
              else setFailure(messageOf(err));
            })
            .finally(() => setBusy(false));
        })}
      >
        <Stack>
          {failure && <Failure>{failure}</Failure>}
          <TextInput
            label="Label"
            required
            data-autofocus
            {...form.getInputProps('label')}
            onChange={(e) => {
              const label = e.currentTarget.value;
              form.setFieldValue('label', label);
              if (!form.isTouched('name'))
                form.setFieldValue(
                  'name',
                  label
                    .toLowerCase()
                    .replace(/[^a-z0-9]+/g, '_')
                    .replace(/^_+|_+$/g, '')
                    .replace(/^[0-9_]+/, ''),
                );
            }}
          />
          <TextInput
            label="Symbolic name"
            description="The CSV column and the key in the API. It cannot be changed later."
            required
            {...form.getInputProps('name')}
          />
          <Select label="Type" data={TYPES} allowDeselect={false} {...form.getInputProps('type')} />
          {withOptions && (
            <TagsInput
              label="Options"
              description="Press Enter after each option."
              {...form.getInputProps('options')}
            />
          )}
          <Checkbox label="Required" {...form.getInputProps('required', { type: 'checkbox' })} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={busy}>
              Add field
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
