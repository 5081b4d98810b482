/** Prints a benchmark's rows as a fixed-width text table, and as Markdown for docs. */
import { passes, type Row } from './types.ts';

export function formatValue(value: number, unit: string): string {
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  const n = value.toLocaleString('en-GB', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
  return unit === '' ? n : `${n} ${unit}`;
}

function cells(row: Row): [string, string, string, string] {
  const ok = passes(row);
  return [
    row.measure,
    formatValue(row.value, row.unit),
    row.target ? `${row.target.op} ${formatValue(row.target.value, row.unit)}` : '—',
    ok === null ? '(info)' : ok ? 'pass' : 'FAIL',
  ];
}

const HEAD: [string, string, string, string] = ['measure', 'value', 'target', 'result'];

export function textTable(title: string, rows: Row[]): string {
  const all = [HEAD, ...rows.map(cells)];
  const widths = HEAD.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === 1 || i === 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  const notes = rows.filter((r) => r.note).map((r) => `  * ${r.measure}: ${r.note}`);
  return [`\n== ${title} ==`, line(HEAD), rule, ...all.slice(1).map(line), ...notes].join('\n');
}

export function markdownTable(rows: Row[]): string {
  return [
    '| Measure | Value | Target | Result |',
    '|---|--:|--:|---|',
    ...rows.map((r) => `| ${cells(r).join(' | ')} |`),
  ].join('\n');
}
