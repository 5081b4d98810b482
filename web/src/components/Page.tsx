/** A page: its title (also the browser tab's), a line saying what it is for, and its actions. */
import { Group, Stack, Text, Title } from '@mantine/core';
import { useEffect, type ReactNode } from 'react';

export function Page(props: {
  title: string;
  description?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
}) {
  useEffect(() => {
    document.title = `${props.title} · Gatehouse`;
  }, [props.title]);
  return (
    <Stack gap="lg" maw={1200}>
      <Group justify="space-between" align="flex-start" wrap="wrap" gap="sm">
        <div>
          <Title order={1} fz={26} fw={650}>
            {props.title}
          </Title>
          {props.description && (
            <Text c="dimmed" mt={4} maw={720}>
              {props.description}
            </Text>
          )}
        </div>
        {props.actions && <Group gap="sm">{props.actions}</Group>}
      </Group>
      {props.children}
    </Stack>
  );
}
