/**
 * The Login handler page's test login: a real login through the provider that comes back to
 * this page, which then says what the decision was and why (the newest sso.login decision of
 * that provider) and who is signed in now. A test login is a real one, so whoever signs in at
 * the IdP is signed in here; a refusal or a redirect ends where that person's would (the
 * refusal page with its reason), and the decision is in the recent decisions either way.
 */
import { Alert, Anchor, Badge, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { call, client } from '../api/client';
import { useSession } from '../session';

/** The recent SSO decisions (one query, shared by the table and the test login's result). */
export function useSsoDecisions() {
  return useQuery({
    queryKey: ['sso-decisions'],
    queryFn: () =>
      call(
        client.GET('/api/people/v2/audit', {
          params: { query: { action: 'sso.login', limit: 20 } },
        }),
      ),
  });
}

const TESTED = 'test_login';

const OUTCOME_WORDS: Record<string, string> = {
  signed_in: 'Signed in',
  provisioned: 'Account created, signed in',
  redirected: 'Redirected',
  refused: 'Refused',
};

export function TestLoginLink({
  provider,
}: {
  provider: { id: number; name: string; login_url: string };
}) {
  const back = `/login-handler?${TESTED}=${provider.id}`;
  return (
    <Anchor
      href={`${provider.login_url}?return_to=${encodeURIComponent(back)}`}
      aria-label={`Test login through ${provider.name}`}
    >
      Test login
    </Anchor>
  );
}

export const TEST_LOGIN_HELP =
  'Test login signs in through the provider as whoever signs in there, and comes back to this page with the decision and its reason. A refused login shows the page that person would see; its reason is also in Recent SSO decisions.';

function text(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** Shown after a test login came back here (?test_login={provider id}). */
export function TestLoginResult({ providers }: { providers: { id: number; name: string }[] }) {
  const [params] = useSearchParams();
  const { session } = useSession();
  const decisions = useSsoDecisions();
  const tested = Number(params.get(TESTED));
  const provider = providers.find((p) => p.id === tested);
  if (!provider || !decisions.data) return null;
  // The newest decision of that provider: the test login's own (this session began with it).
  const last = decisions.data.data.find((r) => r.changes?.provider_id?.[1] === provider.id);
  return (
    <Alert
      color="blue"
      variant="light"
      role="status"
      title={`Test login through ${provider.name}`}
      data-testid="test-login-result"
    >
      <Stack gap={4}>
        {last && (
          <Text size="sm">
            <Badge mr="xs">
              {OUTCOME_WORDS[text(last.changes?.outcome?.[1])] ?? text(last.changes?.outcome?.[1])}
            </Badge>
            {text(last.changes?.reason?.[1])}
          </Text>
        )}
        {session && <Text size="sm">You are signed in as {session.user.username}.</Text>}
      </Stack>
    </Alert>
  );
}
