/** A new password typed twice, as every form that sets one asks for it. */
import { PasswordInput } from '@mantine/core';
import type { UseFormReturnType } from '@mantine/form';

export function NewPasswordFields<T extends { password: string; confirm: string }>({
  form,
}: {
  form: UseFormReturnType<T>;
}) {
  return (
    <>
      <PasswordInput
        label="New password"
        autoComplete="new-password"
        {...form.getInputProps('password')}
      />
      <PasswordInput
        label="Confirm new password"
        autoComplete="new-password"
        {...form.getInputProps('confirm')}
      />
    </>
  );
}
