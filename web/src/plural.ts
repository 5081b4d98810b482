/**
 * Counts in the console's sentences: "1 account was created", "2 accounts were created".
 * The console is written in English; Intl.PluralRules picks the form, so a count of 1, 0 or
 * 1.5 gets the form English gives it, and the number is formatted for the reader.
 */
const rules = new Intl.PluralRules('en');

/** The word that agrees with a count: `agree(n, 'was', 'were')`. */
export function agree(count: number, one: string, other: string): string {
  return rules.select(count) === 'one' ? one : other;
}

/** A count and its noun: `plural(1, 'account')` → "1 account"; `plural(3, 'person', 'people')`. */
export function plural(count: number, one: string, other = `${one}s`): string {
  return `${count.toLocaleString()} ${agree(count, one, other)}`;
}
