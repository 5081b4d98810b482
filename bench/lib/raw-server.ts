/**
 * The raw baseline of the HTTP figures: what a minimal server on the same database does.
 * One process (like ours), node:http, no framework. Run in a child process by
 * bench/lib/raw-http.ts: `node --import tsx bench/lib/raw-server.ts`, with PORT and
 * either RAW_SQLITE_FILE (better-sqlite3) or RAW_PG_URL (pg, named prepared statements).
 *
 * Every route checks the API key: SHA-256 of the bearer token, one prepared SELECT by hash.
 * - GET /users/<id>:  one prepared SELECT of the person by id, JSON.stringify of the row;
 * - GET /users?limit=&offset=: the plain list, `ORDER BY id LIMIT/OFFSET` and a count;
 * - GET /users?q=: the plain search, a LIKE over names, username and email, and a count.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import Database from 'better-sqlite3';
import pg from 'pg';

interface Raw {
  keyOwner(hash: string): Promise<unknown>;
  person(id: number): Promise<unknown>;
  list(limit: number, offset: number): Promise<{ total: number; data: unknown[] }>;
  search(pattern: string, limit: number): Promise<{ total: number; data: unknown[] }>;
}

const KEY = 'SELECT owner_id FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL';
const PERSON = 'SELECT * FROM people WHERE id = ?';
const LIST = 'SELECT * FROM people ORDER BY id LIMIT ? OFFSET ?';
const COUNT = 'SELECT count(*) AS n FROM people';
const MATCH = `(lower(firstname) LIKE ? OR lower(surname) LIKE ? OR lower(username) LIKE ? OR lower(email) LIKE ?)`;
const SEARCH = `SELECT * FROM people WHERE ${MATCH} ORDER BY id LIMIT ?`;
const SEARCH_COUNT = `SELECT count(*) AS n FROM people WHERE ${MATCH}`;

function sqlite(file: string): Raw {
  const db = new Database(file, { readonly: true });
  db.pragma('journal_mode = WAL');
  const key = db.prepare(KEY);
  const person = db.prepare(PERSON);
  const list = db.prepare(LIST);
  const count = db.prepare(COUNT);
  const search = db.prepare(SEARCH);
  const searchCount = db.prepare(SEARCH_COUNT);
  const n = (row: unknown) => Number((row as { n: number }).n);
  return {
    keyOwner: (h) => Promise.resolve(key.get(h)),
    person: (id) => Promise.resolve(person.get(id)),
    list: (limit, offset) =>
      Promise.resolve({ total: n(count.get()), data: list.all(limit, offset) }),
    search: (p, limit) =>
      Promise.resolve({
        total: n(searchCount.get(p, p, p, p)),
        data: search.all(p, p, p, p, limit),
      }),
  };
}

/** `?` placeholders as PostgreSQL's `$n`. */
function numbered(text: string): string {
  let i = 0;
  return text.replace(/\?/g, () => `$${++i}`);
}

function postgres(url: string): Raw {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  const q = async (name: string, text: string, values: unknown[]) =>
    (await pool.query({ name, text: numbered(text), values })).rows;
  const n = (rows: unknown[]) => Number((rows[0] as { n: string }).n);
  return {
    keyOwner: async (h) => (await q('key', KEY, [h]))[0],
    person: async (id) => (await q('person', PERSON, [id]))[0],
    list: async (limit, offset) => {
      const [c, data] = await Promise.all([
        q('count', COUNT, []),
        q('list', LIST, [limit, offset]),
      ]);
      return { total: n(c), data };
    },
    // Searches are not prepared: a generic plan for LIKE patterns is a poor one.
    search: async (p, limit) => {
      const [c, data] = await Promise.all([
        pool.query(numbered(SEARCH_COUNT), [p, p, p, p]),
        pool.query(numbered(SEARCH), [p, p, p, p, limit]),
      ]);
      return { total: n(c.rows), data: data.rows };
    },
  };
}

const raw = process.env.RAW_PG_URL
  ? postgres(process.env.RAW_PG_URL)
  : sqlite(process.env.RAW_SQLITE_FILE!);

function send(res: http.ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname === '/healthz') return send(res, 200, '{}');
  const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  const owner = token && (await raw.keyOwner(createHash('sha256').update(token).digest('hex')));
  if (!owner) return send(res, 401, '{"error":"unauthorized"}');
  const m = /^\/users\/(\d+)$/.exec(url.pathname);
  if (m) {
    const row = await raw.person(Number(m[1]));
    return row ? send(res, 200, JSON.stringify(row)) : send(res, 404, '{"error":"not_found"}');
  }
  if (url.pathname === '/users') {
    const limit = Number(url.searchParams.get('limit') ?? 20);
    const q = url.searchParams.get('q');
    const page = q
      ? await raw.search(`%${q.toLowerCase()}%`, limit)
      : await raw.list(limit, Number(url.searchParams.get('offset') ?? 0));
    return send(res, 200, JSON.stringify(page));
  }
  send(res, 404, '{"error":"not_found"}');
}

http
  .createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      console.error(err);
      send(res, 500, '{"error":"internal"}');
    });
  })
  .listen(Number(process.env.PORT), '127.0.0.1');
