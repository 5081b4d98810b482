/** Prints a benchmark's ratio rows as a fixed-width text table, and as Markdown for docs. */
import type { RatioRow } from './types.ts';

export function formatValue(value: number, unit = ''): string {
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  const n = value.toLocaleString('en-GB', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
  return unit === '' ? n : `${n} ${unit}`;
}

const ratioText = (x: number) => `${x.toFixed(2)} ×`;

function cells(r: RatioRow): string[] {
  const t = r.target;
  const target = !t
    ? '—'
    : t.of === 'product'
      ? `${t.op} ${formatValue(t.value, r.unit)}`
      : `${t.op} ${ratioText(t.value)}`;
  const cpu = r.cpuPerOp
    ? `${r.cpuPerOp.product.toFixed(3)} / ${r.cpuPerOp.baseline === null ? '—' : r.cpuPerOp.baseline.toFixed(3)}`
    : '';
  return [
    r.engine,
    r.figure,
    formatValue(r.product, r.unit),
    r.baseline === null ? '—' : formatValue(r.baseline, r.unit),
    r.ratio === null ? '—' : ratioText(r.ratio),
    target,
    r.met === null ? '(info)' : r.met ? 'pass' : 'FAIL',
    cpu,
  ];
}

const HEAD = [
  'engine',
  'figure',
  'product',
  'baseline',
  'ratio',
  'target',
  'result',
  'CPU ms/op (product / baseline)',
];

export function textTable(title: string, rows: RatioRow[]): string {
  const all = [HEAD, ...rows.map(cells)];
  const widths = HEAD.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  const right = new Set([2, 3, 4, 5]);
  const line = (r: string[]) =>
    r
      .map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  const notes = rows.filter((r) => r.note).map((r) => `  * ${r.engine}: ${r.figure}: ${r.note}`);
  return [`\n== ${title} ==`, line(HEAD), rule, ...all.slice(1).map(line), ...notes].join('\n');
}

export function markdownTable(rows: RatioRow[]): string {
  return [
    `| ${HEAD.join(' | ')} |`,
    '|---|---|--:|--:|--:|--:|---|--:|',
    ...rows.map((r) => `| ${cells(r).join(' | ')} |`),
  ].join('\n');
}
