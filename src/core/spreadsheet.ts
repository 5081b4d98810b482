/**
 * Cells that a spreadsheet would run as a formula (=, +, -, @, tab, carriage return at the
 * start) get a leading apostrophe, as OWASP advises against CSV injection. Import removes it
 * again, so export → import changes nothing.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export function spreadsheetSafe(cell: string): string {
  return FORMULA_START.test(cell) ? `'${cell}` : cell;
}

export function fromSpreadsheetSafe(cell: string): string {
  return cell.startsWith("'") && FORMULA_START.test(cell.slice(1)) ? cell.slice(1) : cell;
}
