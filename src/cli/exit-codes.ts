/**
 * The exit codes of the `gatehouse` command, a promise to scripts (docs/cli.md lists them).
 * Core errors map by their catalogue status, so a new error type lands in the right class
 * without a change here.
 */
import { GatehouseError, type FieldError } from '../core/errors.ts';
import { ConfigError } from '../config.ts';

export const EXIT = {
  /** Done. */
  ok: 0,
  /** Something unexpected (a bug, a failed migration): the message says what. */
  unexpected: 1,
  /** The command line or the environment is wrong: unknown option, bad setting, no password. */
  usage: 2,
  /** The person (or key) named does not exist. */
  notFound: 3,
  /** The core refused: invalid fields, weak password, username taken, owned by a directory. */
  refused: 4,
  /** The database cannot be reached or opened. */
  unavailable: 5,
  /** Interrupted at a prompt (Ctrl-C). */
  cancelled: 130,
} as const;

/** A wrong command line that commander cannot see (e.g. an empty password on stdin). */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Ctrl-C at a prompt. */
export class CancelledError extends Error {
  override name = 'CancelledError';
}

export interface DescribedError {
  exitCode: number;
  /** Stable, for --json: a catalogue type, or config_error / usage_error / database_unreachable / cancelled / internal. */
  type: string;
  message: string;
  fields?: FieldError[];
}

/** Error codes of node's sockets, pg and SQLite that mean "cannot reach or open the database". */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ECONNRESET',
  'EHOSTUNREACH',
  'SQLITE_CANTOPEN',
  'SQLITE_READONLY',
  'SQLITE_NOTADB',
  '3D000', // pg: database does not exist
  '28P01', // pg: password authentication failed
  '28000', // pg: invalid authorization
  '57P03', // pg: cannot connect now (starting up)
]);

/** The first error in the chain (causes, aggregated errors) that carries a string code. */
function coded(err: unknown): { code: string; message: string } | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { code, message } = err as { code?: unknown; message?: unknown };
  if (typeof code === 'string')
    return { code, message: typeof message === 'string' && message !== '' ? message : code };
  // pg wraps several connection failures in an AggregateError; migrate() wraps with a cause.
  const inner = (err as { errors?: unknown }).errors;
  if (Array.isArray(inner)) return coded(inner[0]);
  const cause = (err as { cause?: unknown }).cause;
  return cause === undefined ? undefined : coded(cause);
}

export function describeError(err: unknown): DescribedError {
  if (err instanceof GatehouseError) {
    const exitCode =
      err.status === 404
        ? EXIT.notFound
        : err.status === 503
          ? EXIT.unavailable
          : err.status >= 400 && err.status < 500
            ? EXIT.refused
            : EXIT.unexpected;
    return {
      exitCode,
      type: err.type,
      message: err.message,
      ...(err.fields && err.fields.length > 0 ? { fields: err.fields } : {}),
    };
  }
  if (err instanceof ConfigError)
    return { exitCode: EXIT.usage, type: 'config_error', message: err.message };
  if (err instanceof UsageError)
    return { exitCode: EXIT.usage, type: 'usage_error', message: err.message };
  if (err instanceof CancelledError)
    return { exitCode: EXIT.cancelled, type: 'cancelled', message: err.message };
  const c = coded(err);
  if (c !== undefined && UNREACHABLE.has(c.code))
    return {
      exitCode: EXIT.unavailable,
      type: 'database_unreachable',
      message: `The database cannot be reached or opened: ${c.message}. Check DATABASE_URL or GATEHOUSE_DATA_DIR.`,
    };
  const message = err instanceof Error ? err.message || err.name : String(err);
  return { exitCode: EXIT.unexpected, type: 'internal', message };
}
