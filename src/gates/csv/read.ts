/**
 * Reads an import file: decodes it (decode.ts), finds the delimiter from the header line,
 * parses it a chunk at a time (records.ts), maps the header (columns.ts) and turns every record
 * into a BatchRow (cells.ts). Problems with the file as a whole (not CSV, unknown columns,
 * empty) are one `import_file_invalid` error; problems with a cell stay on their row.
 *
 * Records are kept packed (`PackedRows`: one string per row) and become BatchRows a slice at
 * a time, as the core asks for them: 100,000 BatchRows take about 100 MB, packed rows about
 * a sixth of that.
 */
import { GatehouseError, type FieldError } from '../../core/errors.ts';
import type { BatchRow, BatchSource } from '../../core/people-batch/index.ts';
import type { ProfileFieldDef } from '../../core/profile-field-types.ts';
import { decodeText } from './decode.ts';
import { exportHeader, mapHeader, type ColumnTarget, type HeaderMap } from './columns.ts';
import { toBatchRow } from './cells.ts';
import { CsvRecords, CsvSyntaxError } from './records.ts';

export interface ReadOptions {
  /** Most data rows accepted in one file. */
  maxRows?: number;
}

export interface ImportFile {
  header: HeaderMap;
  rows: BatchRow[];
  delimiter: string;
}

export interface PackedImportFile {
  header: HeaderMap;
  rows: PackedRows;
  delimiter: string;
}

/** Joins the cells of a packed row; a cell holding it keeps its row unpacked. */
const SEPARATOR = '\u0000';
/** Bytes per buffer of packed rows (a longer row gets a buffer of its own). */
const ARENA_BYTES = 1 << 20;
/** Per row: buffer, offset, byte length (-1: unpacked), spreadsheet row number. */
const PLACE = 4;

/**
 * The data rows of a file, each kept as its cells joined and encoded as UTF-8 in buffers
 * outside V8's heap, turned into BatchRows on demand. Reading a slice again gives equal
 * rows. Why outside the heap: V8 lets its heap grow to a few times what it holds between
 * full collections, so 17 MB of rows held as strings cost far more than 17 MB of RSS.
 */
export class PackedRows implements BatchSource {
  private readonly arenas: Buffer[] = [];
  private used = 0;
  private places = new Int32Array(PLACE * 1024);
  private count = 0;
  private readonly unpacked = new Map<number, string[]>();

  constructor(
    private readonly header: HeaderMap,
    private readonly width: number,
    private readonly delimiter: string,
  ) {}

  get length(): number {
    return this.count;
  }

  push(record: string[], row: number): void {
    const i = this.count++;
    if (this.places.length < PLACE * this.count) {
      const more = new Int32Array(this.places.length * 2);
      more.set(this.places);
      this.places = more;
    }
    const at = PLACE * i;
    this.places[at + 3] = row;
    if (record.some((c) => c.includes(SEPARATOR))) {
      this.unpacked.set(i, record);
      this.places[at + 2] = -1;
      return;
    }
    const text = record.join(SEPARATOR);
    const bytes = Buffer.byteLength(text);
    let arena = this.arenas[this.arenas.length - 1];
    if (arena === undefined || this.used + bytes > arena.length) {
      arena = Buffer.allocUnsafe(Math.max(ARENA_BYTES, bytes));
      this.arenas.push(arena);
      this.used = 0;
    }
    arena.write(text, this.used, 'utf8');
    this.places[at] = this.arenas.length - 1;
    this.places[at + 1] = this.used;
    this.places[at + 2] = bytes;
    this.used += bytes;
  }

  slice(start: number, end: number): BatchRow[] {
    const out: BatchRow[] = [];
    const stop = Math.min(end, this.count);
    for (let i = Math.max(0, start); i < stop; i++) {
      const at = PLACE * i;
      const bytes = this.places[at + 2]!;
      const offset = this.places[at + 1]!;
      const record =
        bytes < 0
          ? this.unpacked.get(i)!
          : this.arenas[this.places[at]!]!.toString('utf8', offset, offset + bytes).split(
              SEPARATOR,
            );
      out.push(this.toRow(record, this.places[at + 3]!));
    }
    return out;
  }

  private toRow(record: string[], rowNumber: number): BatchRow {
    const row = toBatchRow(this.header.targets, record, rowNumber, this.headerName);
    if (record.length !== this.width) {
      const d = this.delimiter;
      (row.readErrors ??= []).push({
        field: 'row',
        message: `This row has ${record.length} cells but the header has ${this.width}. Check for a missing or extra ${d === '\t' ? 'tab' : `"${d}"`}, or an unclosed quote.`,
      });
    }
    return row;
  }

  private readonly headerName = (t: ColumnTarget): string =>
    t.kind === 'profile'
      ? (this.header.names.get(`profile.${t.def.name}`) ?? t.def.name)
      : (this.header.names.get(t.column) ?? exportHeader(t.column));
}

export const DEFAULT_MAX_ROWS = 300_000;
/** The longest row accepted, in characters (a file of one endless row is refused early). */
const MAX_ROW_CHARS = 1024 * 1024;

function fileError(message: string, fields: FieldError[] = []): GatehouseError {
  return new GatehouseError('import_file_invalid', `${message} Nothing was applied.`, fields);
}

/** The delimiter used in a header line: the most frequent of , ; and tab outside quotes. */
export function detectDelimiter(line: string): string {
  const counts = new Map<string, number>([
    [',', 0],
    [';', 0],
    ['\t', 0],
  ]);
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
  }
  let best = ',';
  for (const [d, n] of counts) if (n > counts.get(best)!) best = d;
  return best;
}

/** Holds back decoded text until the first line is known, then passes everything through. */
async function* withFirstLine(
  chunks: AsyncIterable<string>,
  onFirstLine: (line: string) => void,
): AsyncGenerator<string> {
  let head = '';
  let done = false;
  for await (const chunk of chunks) {
    if (done) {
      yield chunk;
      continue;
    }
    head += chunk;
    const nl = head.search(/[\r\n]/);
    if (nl >= 0) {
      onFirstLine(head.slice(0, nl));
      done = true;
      yield head;
    }
  }
  if (!done) {
    onFirstLine(head);
    if (head !== '') yield head;
  }
}

/** Reads a whole import file into rows for the core. */
export async function readImportFile(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  defs: readonly ProfileFieldDef[],
  opts: ReadOptions = {},
): Promise<ImportFile> {
  const file = await readImportRows(source, defs, opts);
  return { ...file, rows: file.rows.slice(0, file.rows.length) };
}

/** Reads a whole import file into packed rows, turned into BatchRows a slice at a time. */
export async function readImportRows(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  defs: readonly ProfileFieldDef[],
  opts: ReadOptions = {},
): Promise<PackedImportFile> {
  const maxRows = opts.maxRows ?? DEFAULT_MAX_ROWS;
  let delimiter = ',';
  const text = withFirstLine(decodeText(source), (line) => {
    delimiter = detectDelimiter(line);
  });
  // Pull the first chunk so the delimiter is known before the parser is made.
  const first = await text.next();
  if (first.done || first.value.trim() === '')
    throw fileError(
      'The file is empty. It needs a header row with at least a "username" column, then one row per person.',
      [{ field: 'file', message: 'Empty file.' }],
    );
  const records = new CsvRecords(delimiter, MAX_ROW_CHARS);
  let header: HeaderMap | undefined;
  let rows: PackedRows | undefined;
  let rowNumber = 0;
  const take = (record: string[]) => {
    rowNumber++;
    if (header === undefined) {
      const mapped = mapHeader(
        record.map((h) => h.trim()),
        defs,
      );
      if (!mapped.ok)
        throw fileError(
          `The header row has problems: ${mapped.problems.map((p) => p.message).join(' ')}`,
          mapped.problems.map((p) => ({ field: p.column, message: p.message })),
        );
      header = mapped.map;
      rows = new PackedRows(header, record.length, delimiter);
      return;
    }
    // A blank line (or a row of empty cells) is skipped but keeps its row number.
    if (record.every((c) => c.trim() === '')) return;
    if (rows!.length >= maxRows)
      throw fileError(
        `The file has more than ${maxRows.toLocaleString('en')} rows. Split it into smaller files.`,
        [{ field: 'file', message: 'Too many rows.' }],
      );
    rows!.push(record, rowNumber);
  };
  try {
    for (const record of records.push(first.value)) take(record);
    for await (const chunk of text) for (const record of records.push(chunk)) take(record);
    for (const record of records.end()) take(record);
  } catch (err) {
    if (err instanceof CsvSyntaxError)
      throw fileError(`The file is not valid CSV near line ${err.line}: ${err.message}.`, [
        { field: 'file', message: err.message },
      ]);
    throw err;
  }
  if (header === undefined || rows === undefined)
    throw fileError('The file is empty. It needs a header row with at least a "username" column.');
  return { header, rows, delimiter };
}
