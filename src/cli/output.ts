/**
 * What the CLI prints. Readable text by default; with --json, stdout carries exactly one JSON
 * document for a script to parse and errors go to stderr as JSON too. Prompts, notes and
 * warnings always go to stderr, so stdout stays clean for pipes.
 */
import { defaultMessage } from '../core/errors.ts';
import type { DescribedError } from './exit-codes.ts';

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: Io = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
};

export interface Column<R> {
  header: string;
  value: (row: R) => string;
  /** Right-aligned (numbers). */
  right?: boolean;
}

/** A plain text table: a header, a rule, one line per row; columns as wide as their widest cell. */
export function table<R>(columns: Column<R>[], rows: R[]): string {
  const cells = rows.map((r) => columns.map((c) => oneLine(c.value(r))));
  const widths = columns.map((c, i) =>
    Math.max(c.header.length, ...cells.map((row) => (row[i] ?? '').length)),
  );
  const line = (values: string[]) =>
    values
      .map((v, i) => {
        const w = widths[i] ?? 0;
        return columns[i]?.right ? v.padStart(w) : v.padEnd(w);
      })
      .join('  ')
      .trimEnd();
  return [
    line(columns.map((c) => c.header)),
    line(widths.map((w) => '-'.repeat(w))),
    ...cells.map(line),
  ]
    .map((l) => l + '\n')
    .join('');
}

/** Control characters (a newline in a name) would break the table's lines. */
function oneLine(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f]/g, ' ');
}

export class Output {
  constructor(
    readonly io: Io,
    readonly json: boolean,
  ) {}

  /** The result of a command: `text` for people, `data` for --json. */
  result(text: string | (() => string), data: unknown): void {
    if (this.json) this.io.out(JSON.stringify(data, null, 2) + '\n');
    else this.io.out(typeof text === 'string' ? text : text());
  }

  /** A remark for a person (stderr), never part of the parsed output. */
  note(text: string): void {
    if (!this.json) this.io.err(text.endsWith('\n') ? text : text + '\n');
  }

  warn(text: string): void {
    this.io.err(`warning: ${text}\n`);
  }

  error(e: DescribedError): void {
    if (this.json) {
      this.io.err(
        JSON.stringify({
          error: e.message,
          type: e.type,
          exit_code: e.exitCode,
          ...(e.fields ? { fields: e.fields } : {}),
        }) + '\n',
      );
      return;
    }
    // The catalogue's sentences speak to API clients ("see fields"); here the fields follow.
    const message =
      e.type === 'validation_failed' &&
      e.fields &&
      e.message === defaultMessage('validation_failed')
        ? 'Some values are not valid:'
        : e.type === 'config_error'
          ? `configuration error: ${e.message}`
          : e.message;
    const lines = [`gatehouse: ${message}`];
    for (const f of e.fields ?? []) lines.push(`  ${f.field}: ${f.message}`);
    this.io.err(lines.join('\n') + '\n');
  }
}
