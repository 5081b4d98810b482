/**
 * Bytes → text for CSV files as people really save them: UTF-8 with or without a BOM,
 * UTF-16 (little or big endian, with BOM) from Excel's "Unicode text". Decoding streams, so
 * a large file is never held twice; bytes that are not valid in the detected encoding are a
 * clear error rather than silent replacement characters.
 */
import { TextDecoder } from 'node:util';
import { GatehouseError } from '../../core/errors.ts';

export type Encoding = 'utf-8' | 'utf-16le' | 'utf-16be';

export function detectEncoding(head: Uint8Array): { encoding: Encoding; bomLength: number } {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf)
    return { encoding: 'utf-8', bomLength: 3 };
  if (head[0] === 0xff && head[1] === 0xfe) return { encoding: 'utf-16le', bomLength: 2 };
  if (head[0] === 0xfe && head[1] === 0xff) return { encoding: 'utf-16be', bomLength: 2 };
  // UTF-16 without a BOM: ASCII text has a zero in every other byte.
  if (head.length >= 4 && head[0] !== 0 && head[1] === 0 && head[2] !== 0 && head[3] === 0)
    return { encoding: 'utf-16le', bomLength: 0 };
  if (head.length >= 4 && head[0] === 0 && head[1] !== 0 && head[2] === 0 && head[3] !== 0)
    return { encoding: 'utf-16be', bomLength: 0 };
  return { encoding: 'utf-8', bomLength: 0 };
}

function invalid(encoding: Encoding): GatehouseError {
  return new GatehouseError(
    'import_file_invalid',
    `The file is not valid ${encoding.toUpperCase()} text. Save it as "CSV UTF-8" (or UTF-16 with a byte order mark) and try again. Nothing was applied.`,
    [{ field: 'file', message: `Not valid ${encoding.toUpperCase()} text.` }],
  );
}

/** Bytes decoded at a time: a whole file given as one buffer is not turned into one string. */
const PIECE_BYTES = 64 * 1024;

async function* pieces(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  for await (const chunk of source)
    for (let i = 0; i < chunk.length; i += PIECE_BYTES)
      yield chunk.subarray(i, Math.min(chunk.length, i + PIECE_BYTES));
}

/** Decodes a byte stream to text chunks, detecting the encoding from the first bytes. */
export async function* decodeText(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): AsyncGenerator<string> {
  let decoder: TextDecoder | null = null;
  let encoding: Encoding = 'utf-8';
  let pending = new Uint8Array(0);
  const feed = (bytes: Uint8Array, last: boolean): string => {
    try {
      return decoder!.decode(bytes, { stream: !last });
    } catch {
      throw invalid(encoding);
    }
  };
  for await (const chunk of pieces(source)) {
    if (decoder === null) {
      // Wait for four bytes to see a BOM or a UTF-16 pattern.
      const joined = new Uint8Array(pending.length + chunk.length);
      joined.set(pending);
      joined.set(chunk, pending.length);
      if (joined.length < 4) {
        pending = joined;
        continue;
      }
      const found = detectEncoding(joined);
      encoding = found.encoding;
      decoder = new TextDecoder(encoding, { fatal: true, ignoreBOM: true });
      const text = feed(joined.subarray(found.bomLength), false);
      if (text !== '') yield text;
      continue;
    }
    const text = feed(chunk, false);
    if (text !== '') yield text;
  }
  if (decoder === null) {
    if (pending.length === 0) return;
    const found = detectEncoding(pending);
    encoding = found.encoding;
    decoder = new TextDecoder(encoding, { fatal: true, ignoreBOM: true });
    const text = feed(pending.subarray(found.bomLength), true);
    if (text !== '') yield text;
    return;
  }
  const rest = feed(new Uint8Array(0), true);
  if (rest !== '') yield rest;
}
