/**
 * Text of code units below 128 only. NFKC leaves such text as it is and its lower case is
 * ASCII again, so for it the keys below are `trim().toLowerCase()` alone. Why a fast path:
 * ICU's normalisation was about 5 % of a 100,000-row CSV dry run (every username, group
 * and role name is keyed several times); normalize.test.ts proves the results identical.
 */
// eslint-disable-next-line no-control-regex -- every code unit below 128, controls included
const ASCII = /^[\x00-\x7f]*$/;

/** Whether `text` is ASCII only (then NFC and NFKC leave it as it is). */
export const isAscii = (text: string): boolean => ASCII.test(text);

/** How names are compared: Unicode NFKC, trimmed, case-folded. */
export function usernameKey(username: string): string {
  if (ASCII.test(username)) return username.trim().toLowerCase();
  return username.normalize('NFKC').trim().toLowerCase().normalize('NFKC');
}

export const nameKey = usernameKey;

export function emailKey(email: string): string {
  if (ASCII.test(email)) return email.trim().toLowerCase();
  return email.normalize('NFKC').trim().toLowerCase();
}

/** Text that `q=` searches: username, names and email, lower-cased. */
export function searchText(p: {
  username: string;
  firstname: string;
  surname: string;
  email: string;
}): string {
  const text = `${p.username} ${p.firstname} ${p.surname} ${p.firstname} ${p.surname} ${p.email}`;
  return ASCII.test(text) ? text.toLowerCase() : text.normalize('NFKC').toLowerCase();
}

/** Escapes LIKE wildcards so user input matches literally (ESCAPE '\'). */
export function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (c) => '\\' + c);
}
