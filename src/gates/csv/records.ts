/**
 * CSV records from decoded text, a chunk at a time: RFC 4180 cells (a quoted cell may hold
 * the delimiter, line breaks and "" for a quote), records ended by the first line ending the
 * file uses (CRLF, LF or CR; another one is then part of a cell), as csv-parse reads them
 * with the options the import used (relax_column_count, skip_empty_lines off): a blank line
 * is a record of one empty cell, a line ending at the very end adds no record.
 *
 * Why not csv-parse: it was the largest single cost of a dry run of 100,000 rows (0.4–0.55 s,
 * docs/benchmarks.md, session 6), a state machine that looks at every character through its
 * options, behind a stream. Here an unquoted cell is a scan of character codes and a quoted
 * one a few indexOf calls. src/gates/csv/records.test.ts checks that both read the same
 * records (or both refuse the text) on thousands of generated files split into chunks.
 */

/** Text that is not CSV; `line` is where the record it was found in starts (from 1). */
export class CsvSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

const QUOTE = 34;
const LF = 10;
const CR = 13;

interface Parsed {
  fields: string[];
  /** Where the record's text ends (before its line ending), and where the next one starts. */
  end: number;
  next: number;
  lines: number;
}

export class CsvRecords {
  /** Text of a record not yet complete, carried to the next chunk. */
  private pending = '';
  /** The record delimiter, found at the first line ending outside quotes. */
  private eol: '\n' | '\r' | '\r\n' | undefined;
  private line = 1;
  private readonly delimiter: number;

  /**
   * `maxRecordChars`: the longest record accepted, in characters of its text (as csv-parse's
   * max_record_size did). It also bounds the text carried between chunks, and so the work of
   * reading a record again when the next chunk arrives.
   */
  constructor(
    delimiter: string,
    private readonly maxRecordChars: number,
  ) {
    if (delimiter.length !== 1) throw new Error('The CSV delimiter is one character.');
    this.delimiter = delimiter.charCodeAt(0);
  }

  /** The records this chunk completes. */
  push(chunk: string): string[][] {
    return this.run(this.pending + chunk, false);
  }

  /** The records left at the end of the text. */
  end(): string[][] {
    return this.run(this.pending, true);
  }

  private run(text: string, final: boolean): string[][] {
    const out: string[][] = [];
    let start = 0;
    while (start < text.length) {
      const r = this.record(text, start, final);
      if (r === undefined) {
        // The record goes on in the next chunk.
        if (text.length - start > this.maxRecordChars) throw this.tooLong(0);
        break;
      }
      if (r.end - start > this.maxRecordChars) throw this.tooLong(0);
      out.push(r.fields);
      this.line += r.lines;
      start = r.next;
    }
    this.pending = start === 0 ? text : text.slice(start);
    return out;
  }

  /** One record from `i`, or undefined when the text ends before it is known to be complete. */
  private record(text: string, i: number, final: boolean): Parsed | undefined {
    const fields: string[] = [];
    let lines = 0;
    for (;;) {
      if (text.charCodeAt(i) === QUOTE) {
        let value = '';
        let j = i + 1;
        for (;;) {
          const q = text.indexOf('"', j);
          if (q < 0) {
            if (!final) return undefined;
            throw this.error('Quote Not Closed: the file ends inside a quoted cell', lines);
          }
          value += text.slice(j, q);
          if (q + 1 >= text.length && !final) return undefined; // "" may be split
          if (text.charCodeAt(q + 1) === QUOTE) {
            value += '"';
            j = q + 2;
            continue;
          }
          i = q + 1;
          break;
        }
        lines += countLineFeeds(value);
        fields.push(value);
        if (i >= text.length) return { fields, end: i, next: i, lines: lines + 1 }; // final here
        if (text.charCodeAt(i) === this.delimiter) {
          i++;
          continue;
        }
        const n = this.eolAt(text, i, final);
        if (n === undefined) return undefined;
        if (n > 0) return { fields, end: i, next: i + n, lines: lines + 1 };
        throw this.error(
          `Invalid Closing Quote: ${JSON.stringify(text[i])} follows the closing quote of a cell instead of the delimiter or the end of the line`,
          lines,
        );
      }
      let j = i;
      let n = 0;
      for (; j < text.length; j++) {
        const c = text.charCodeAt(j);
        if (c === this.delimiter) break;
        if (c === QUOTE)
          throw this.error(
            'Invalid Opening Quote: a quote inside a cell that does not start with one (quote the whole cell and double the quote)',
            lines,
          );
        if (c === CR || c === LF) {
          const found = this.eolAt(text, j, final);
          if (found === undefined) return undefined;
          if (found > 0) {
            n = found;
            break;
          }
        }
      }
      if (j >= text.length && !final) return undefined;
      fields.push(text.slice(i, j));
      if (j >= text.length) return { fields, end: j, next: j, lines: lines + 1 };
      if (n > 0) return { fields, end: j, next: j + n, lines: lines + 1 };
      i = j + 1; // after the delimiter
    }
  }

  /** Length of the record delimiter at `j` (0: none there), undefined if the text must go on. */
  private eolAt(text: string, j: number, final: boolean): number | undefined {
    const c = text.charCodeAt(j);
    const more = j + 1 < text.length;
    if (this.eol === undefined) {
      if (c === LF) this.eol = '\n';
      else if (c === CR) {
        if (!more && !final) return undefined;
        this.eol = more && text.charCodeAt(j + 1) === LF ? '\r\n' : '\r';
      } else return 0;
      return this.eol.length;
    }
    if (this.eol === '\n') return c === LF ? 1 : 0;
    if (this.eol === '\r') return c === CR ? 1 : 0;
    if (c !== CR) return 0;
    if (!more) return final ? 0 : undefined;
    return text.charCodeAt(j + 1) === LF ? 2 : 0;
  }

  private tooLong(linesIntoRecord: number): CsvSyntaxError {
    return this.error(
      `a row is longer than ${this.maxRecordChars.toLocaleString('en')} characters`,
      linesIntoRecord,
    );
  }

  private error(message: string, linesIntoRecord: number): CsvSyntaxError {
    return new CsvSyntaxError(message, this.line + linesIntoRecord);
  }
}

function countLineFeeds(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) n++;
  return n;
}
