/** One input for a custom profile field, by its type. */
import { Checkbox, MultiSelect, NumberInput, Select, TextInput, Textarea } from '@mantine/core';
import type { ReactNode } from 'react';
export interface ProfileFieldDefinition {
  name: string;
  label: string;
  type: string;
  options: string[];
  required: boolean;
}
export type ProfileValue = string | number | boolean | string[] | null;

const HINT: Record<string, string> = {
  date: 'YYYY-MM-DD',
  date_no_year: 'MM-DD (a day of the year, such as a birthday)',
  datetime: 'YYYY-MM-DD HH:MM',
  hyperlink: 'https://…',
  user: 'A username',
};

export function ProfileFieldInput(props: {
  def: ProfileFieldDefinition;
  value: ProfileValue | undefined;
  error?: ReactNode;
  disabled?: boolean;
  readOnlyReason?: string;
  onChange(value: ProfileValue): void;
}) {
  const { def } = props;
  const common = {
    label: def.label,
    required: def.required,
    error: props.error,
    disabled: props.disabled,
    description: props.readOnlyReason ?? HINT[def.type],
  };
  const v = props.value;
  switch (def.type) {
    case 'text':
    case 'address':
      return (
        <Textarea
          {...common}
          autosize
          minRows={2}
          value={typeof v === 'string' ? v : ''}
          onChange={(e) => props.onChange(e.currentTarget.value || null)}
        />
      );
    case 'integer':
      return (
        <NumberInput
          {...common}
          allowDecimal={false}
          value={typeof v === 'number' ? v : ''}
          onChange={(n) => props.onChange(typeof n === 'number' ? n : null)}
        />
      );
    case 'checkbox':
      return (
        <Checkbox
          label={def.label}
          description={props.readOnlyReason}
          error={props.error}
          disabled={props.disabled}
          checked={v === true}
          onChange={(e) => props.onChange(e.currentTarget.checked)}
          mt="xs"
        />
      );
    case 'select':
      return (
        <Select
          {...common}
          clearable
          data={def.options}
          value={typeof v === 'string' ? v : null}
          onChange={(s) => props.onChange(s)}
        />
      );
    case 'multiselect':
      return (
        <MultiSelect
          {...common}
          clearable
          data={def.options}
          value={Array.isArray(v) ? v : []}
          onChange={(s) => props.onChange(s.length ? s : null)}
        />
      );
    case 'date':
      return (
        <TextInput
          {...common}
          type="date"
          value={typeof v === 'string' ? v : ''}
          onChange={(e) => props.onChange(e.currentTarget.value || null)}
        />
      );
    default:
      return (
        <TextInput
          {...common}
          value={typeof v === 'string' || typeof v === 'number' ? String(v) : ''}
          onChange={(e) => props.onChange(e.currentTarget.value || null)}
        />
      );
  }
}
