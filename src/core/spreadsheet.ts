/**
 * Cells that a spreadsheet would run as a formula (=, +, -, @, tab, carriage return at the
 * start) get a leading apostrophe, as OWASP advises against CSV injection. Import removes it
 * again, so export → import changes nothing. A value that itself starts with apostrophes
 * before such a character gets one more, so it too survives the round trip.
 */
const FORMULA_START = /^'*[=+\-@\t\r]/;
const MARKED = /^'+[=+\-@\t\r]/;

export function spreadsheetSafe(cell: string): string {
  return FORMULA_START.test(cell) ? `'${cell}` : cell;
}

export function fromSpreadsheetSafe(cell: string): string {
  return MARKED.test(cell) ? cell.slice(1) : cell;
}
