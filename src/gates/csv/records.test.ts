import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { CsvRecords, CsvSyntaxError } from './records.ts';

/** csv-parse with the options the import used before records.ts: the reference. */
function reference(text: string, delimiter: string): string[][] | 'refused' {
  try {
    const records: unknown = parse(text, {
      delimiter,
      relax_column_count: true,
      skip_empty_lines: false,
      max_record_size: 1 << 20,
    });
    return records as string[][];
  } catch {
    return 'refused';
  }
}

function ours(chunks: string[], delimiter: string): string[][] | 'refused' {
  const p = new CsvRecords(delimiter, 1 << 20);
  try {
    const out: string[][] = [];
    for (const c of chunks) out.push(...p.push(c));
    out.push(...p.end());
    return out;
  } catch (err) {
    if (err instanceof CsvSyntaxError) return 'refused';
    throw err;
  }
}

/** A small deterministic generator (tests must not depend on Math.random). */
function generator(seed: number) {
  let s = seed >>> 0;
  return (n: number) => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s % n;
  };
}

const pick = <T>(next: (n: number) => number, xs: readonly T[]): T => xs[next(xs.length)]!;

/**
 * A generated file: records of cells, unquoted or quoted (holding delimiters, line breaks,
 * doubled quotes), mostly one line ending but sometimes another, blank lines, a stray quote
 * now and then, with or without a final line ending.
 */
function generatedFile(next: (n: number) => number, delimiter: string): string {
  const eol = pick(next, ['\n', '\r\n', '\r']);
  const records: string[] = [];
  for (let r = next(5); r >= 0; r--) {
    const cells: string[] = [];
    for (let c = next(4); c >= 0; c--) {
      let cell = '';
      for (let k = next(4); k > 0; k--)
        cell += pick(next, ['a', 'bc', ' ', 'é', '\t', '\r', '\n', delimiter === ',' ? ';' : ',']);
      if (next(3) === 0) {
        let inner = '';
        for (let k = next(4); k > 0; k--)
          inner += pick(next, ['x', delimiter, '\n', '\r\n', '""', ' ']);
        cell = `"${inner}"`;
      }
      if (next(30) === 0) cell += '"';
      cells.push(cell);
    }
    records.push(cells.join(delimiter));
  }
  let text = records.join(next(8) === 0 ? pick(next, ['\n', '\r\n', '\r']) : eol);
  if (next(2) === 0) text += eol;
  return text;
}

describe('CSV records (records.ts)', () => {
  it('reads what csv-parse reads, and refuses what it refuses, however the text is chunked', () => {
    const next = generator(11);
    let read = 0;
    for (let n = 0; n < 20_000; n++) {
      const delimiter = next(3) === 0 ? ';' : ',';
      const text = generatedFile(next, delimiter);
      const chunks: string[] = [];
      for (let at = 0; at < text.length;) {
        const size = 1 + next(6);
        chunks.push(text.slice(at, at + size));
        at += size;
      }
      const expected = reference(text, delimiter);
      if (expected !== 'refused') read++;
      assert.deepEqual(
        ours(chunks, delimiter),
        expected,
        `${JSON.stringify(text)} in ${JSON.stringify(chunks)}, delimiter ${delimiter}`,
      );
    }
    // The comparison is mostly of files read, not only of files refused.
    assert.ok(read > 10_000, `only ${read} of 20,000 generated files were CSV`);
  });

  it('keeps quoted delimiters, line breaks and quotes, and blank lines as one empty cell', () => {
    assert.deepEqual(ours(['a,"b,\r\nc",""""\r\n\r\nd'], ','), [
      ['a', 'b,\r\nc', '"'],
      [''],
      ['d'],
    ]);
  });

  // csv-parse's error for this one (INVALID_OPENING_QUOTE) had no CSV_ prefix, so the import
  // passed it on as an internal error instead of "The file is not valid CSV".
  it('refuses a quote inside an unquoted cell, with the line of its record', () => {
    const p = new CsvRecords(',', 100);
    assert.deepEqual(p.push('username\nann\n'), [['username'], ['ann']]);
    assert.throws(
      () => p.push('a"b\n'),
      (e: unknown) => e instanceof CsvSyntaxError && e.line === 3,
    );
  });

  it('refuses a row longer than the limit, as soon as its text is longer', () => {
    assert.throws(() => new CsvRecords(',', 5).push('ab,cd\nabc,def\n'), CsvSyntaxError);
    assert.deepEqual(new CsvRecords(',', 5).push('ab,cd\n'), [['ab', 'cd']]);
    // An unclosed quote is refused when it passes the limit, not read on to the end.
    const p = new CsvRecords(',', 10);
    assert.deepEqual(p.push('"abc'), []);
    assert.throws(() => p.push('defghijk'), CsvSyntaxError);
  });
});
