/**
 * The sign-in page's identity-provider buttons (the SSO login handler). A seamless provider
 * sends people straight to the IdP, unless `?no_auto=1` is in the address: administrators
 * use it to reach the local form when the IdP is down (the console keeps it through its
 * redirects, so this never loops back to the IdP).
 */
import { Button, Divider, Stack } from '@mantine/core';
import { useEffect, useState } from 'react';

interface IdpButton {
  id: number;
  type: 'saml' | 'oidc';
  button_text: string;
  seamless: boolean;
  login_url: string;
}

function loginHref(b: IdpButton, returnTo: string): string {
  return `${b.login_url}?return_to=${encodeURIComponent(returnTo)}`;
}

export function IdpButtons({ returnTo, noAuto }: { returnTo: string; noAuto: boolean }) {
  const [buttons, setButtons] = useState<IdpButton[]>([]);
  useEffect(() => {
    let live = true;
    fetch('/api/sso/providers', { credentials: 'same-origin' })
      .then((r) => (r.ok ? (r.json() as Promise<{ data: IdpButton[] }>) : { data: [] }))
      .then((body) => {
        if (!live) return;
        const seamless = body.data.find((b) => b.seamless);
        if (seamless && !noAuto) window.location.assign(loginHref(seamless, returnTo));
        else setButtons(body.data);
      })
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [returnTo, noAuto]);
  if (buttons.length === 0) return null;
  return (
    <Stack gap="xs" mt="md" data-testid="idp-buttons">
      <Divider label="or" labelPosition="center" />
      {buttons.map((b) => (
        <Button key={b.id} component="a" href={loginHref(b, returnTo)} variant="default" fullWidth>
          {b.button_text}
        </Button>
      ))}
    </Stack>
  );
}
