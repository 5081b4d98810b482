/** How names are compared: Unicode NFKC, trimmed, case-folded. */
export function usernameKey(username: string): string {
  return username.normalize('NFKC').trim().toLowerCase().normalize('NFKC');
}

export const nameKey = usernameKey;

export function emailKey(email: string): string {
  return email.normalize('NFKC').trim().toLowerCase();
}

/** Text that `q=` searches: username, names and email, lower-cased. */
export function searchText(p: {
  username: string;
  firstname: string;
  surname: string;
  email: string;
}): string {
  return [p.username, p.firstname, p.surname, `${p.firstname} ${p.surname}`, p.email]
    .join(' ')
    .normalize('NFKC')
    .toLowerCase();
}

/** Escapes LIKE wildcards so user input matches literally (ESCAPE '\'). */
export function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (c) => '\\' + c);
}
