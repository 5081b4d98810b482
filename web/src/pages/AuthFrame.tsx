/** The frame of the pages shown before the console: sign-in and the forced password change. */
import { Center, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useEffect, type ReactNode } from 'react';

export function AuthFrame(props: { title: string; intro: ReactNode; children: ReactNode }) {
  useEffect(() => {
    document.title = `${props.title} · Gatehouse`;
  }, [props.title]);
  return (
    <Center mih="100vh" bg="gray.0" p="md">
      <Stack w="100%" maw={420} gap="lg">
        <Group gap={10} justify="center">
          <img src="/favicon.svg" alt="" width={34} height={34} />
          <Text fw={700} fz={24}>
            Gatehouse
          </Text>
        </Group>
        <Paper withBorder p="xl" radius="md" shadow="sm">
          <Title order={1} fz={22} mb={4}>
            {props.title}
          </Title>
          <Text c="dimmed" size="sm" mb="lg">
            {props.intro}
          </Text>
          {props.children}
        </Paper>
      </Stack>
    </Center>
  );
}
