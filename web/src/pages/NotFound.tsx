import { Button } from '@mantine/core';
import { Link } from 'react-router';
import { Page } from '../components/Page';
import { Empty } from '../components/states';

export function NotFoundPage() {
  return (
    <Page title="Page not found">
      <Empty
        title="There is no such page"
        action={
          <Button component={Link} to="/users" variant="light">
            Go to the staff list
          </Button>
        }
      >
        The address may be mistyped, or the page may have moved.
      </Empty>
    </Page>
  );
}
