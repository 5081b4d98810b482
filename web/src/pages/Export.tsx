/** Export users: every person as CSV, in exactly the format Add/update from CSV file reads. */
import { Button, List, Paper, Stack, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconDownload } from '@tabler/icons-react';
import { useState } from 'react';
import { Link } from 'react-router';
import { client, messageOf } from '../api/client';
import { Page } from '../components/Page';
import { downloadResponse } from '../download';

export function ExportPage() {
  const [busy, setBusy] = useState(false);
  return (
    <Page title="Export users" description="Download everyone as a CSV file.">
      <Paper withBorder p="lg" maw={720}>
        <Stack>
          <Title order={2} fz="lg">
            The export is the import's template
          </Title>
          <List size="sm" spacing={4}>
            <List.Item>Every person is included, blocked people too.</List.Item>
            <List.Item>
              The columns and formats are those of{' '}
              <Link to="/import">Add/update from CSV file</Link>: edit the file in a spreadsheet and
              import it back. Importing it unchanged changes nothing.
            </List.Item>
            <List.Item>
              Passwords are never exported. Cells are safe to open in a spreadsheet.
            </List.Item>
          </List>
          <Text size="sm" c="dimmed">
            UTF-8 with a byte-order mark, so spreadsheet programs read accents correctly.
          </Text>
          <Button
            leftSection={<IconDownload size={16} />}
            w="fit-content"
            loading={busy}
            onClick={() => {
              setBusy(true);
              downloadResponse(
                client.GET('/api/people/v2/users/export', { parseAs: 'blob' }),
                'people.csv',
              )
                .catch((err: unknown) =>
                  notifications.show({ color: 'red', message: messageOf(err) }),
                )
                .finally(() => setBusy(false));
            }}
          >
            Download CSV file
          </Button>
        </Stack>
      </Paper>
    </Page>
  );
}
