/**
 * A lean HTTP/1.1 load generator for requests that cost the server far more than the client:
 * keep-alive connections, each sending prepared requests (their bytes made once) one after
 * another and reading each answer's status line and Content-Length, nothing else. Made for
 * password sign-ins (bench/api.bench.ts): the load generator runs on the same two cores as the
 * server and argon2, and autocannon's bookkeeping (histograms, timers, per-request objects)
 * cost 0.3–0.4 ms of CPU a sign-in, taken from argon2 on the product's side only (the
 * verifies alone have no client).
 *
 * Like the verifies alone it is measured against, it stops starting requests when the time is
 * up, waits for those in flight, and counts them: operations and seconds run to the last
 * answer, so the server's CPU of a segment matches its operations.
 */
import net from 'node:net';

export interface PostLoadOptions {
  /** http://host:port of the server. */
  url: string;
  connections: number;
  /** Method, path, headers and body of each request, sent in turn on every connection. */
  requests: { method: string; path: string; headers: Record<string, string>; body: string }[];
  seconds: number;
}

export interface PostLoadResult {
  /** Answers received (all of them, in-flight ones included). */
  ops: number;
  /** From the first connection to the last answer. */
  seconds: number;
  /** Answers by status code. */
  statuses: Map<number, number>;
}

/** The bytes of a request, with its Content-Length and a keep-alive connection. */
export function requestBytes(host: string, r: PostLoadOptions['requests'][number]): Buffer {
  const body = Buffer.from(r.body);
  const head = [
    `${r.method} ${r.path} HTTP/1.1`,
    `host: ${host}`,
    'connection: keep-alive',
    ...Object.entries(r.headers).map(([k, v]) => `${k}: ${v}`),
    `content-length: ${body.length}`,
    '',
    '',
  ].join('\r\n');
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

const HEAD_END = Buffer.from('\r\n\r\n');

/**
 * The status and the whole length (head and body) of the first answer in `buf`, or null
 * while it is incomplete. Answers without a Content-Length (chunked) are refused: the server
 * answers these requests with a length, and a load generator that guessed would miscount.
 */
export function parseAnswer(buf: Buffer): { status: number; length: number } | null {
  const end = buf.indexOf(HEAD_END);
  if (end < 0) return null;
  const head = buf.toString('latin1', 0, end);
  const status = Number(head.slice(9, 12));
  const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (!m) throw new Error(`an answer without Content-Length: ${head.slice(0, 200)}`);
  const length = end + HEAD_END.length + Number(m[1]);
  return buf.length >= length ? { status, length } : null;
}

/** One connection's loop: a request, its answer, the next, until `stop`; then closes. */
function connection(
  port: number,
  host: string,
  requests: Buffer[],
  first: number,
  stop: number,
  statuses: Map<number, number>,
): Promise<number> {
  return new Promise((resolve, reject) => {
    let buf: Buffer = Buffer.alloc(0);
    let next = first;
    let done = 0;
    let ending = false;
    const socket = net.connect({ port, host, noDelay: true });
    const send = () => socket.write(requests[next++ % requests.length]!);
    socket.once('connect', send);
    socket.on('data', (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      let a: ReturnType<typeof parseAnswer>;
      try {
        a = parseAnswer(buf);
      } catch (err) {
        socket.destroy();
        reject(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      if (!a) return;
      buf = buf.subarray(a.length);
      done++;
      statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
      if (buf.length > 0) {
        socket.destroy();
        reject(new Error('an answer the client did not ask for'));
      } else if (performance.now() < stop) send();
      else {
        ending = true;
        socket.end();
      }
    });
    socket.once('error', reject);
    // A connection the server closed early would quietly lower the concurrency.
    socket.once('close', () =>
      ending ? resolve(done) : reject(new Error('the server closed a connection')),
    );
  });
}

/** Runs the load for `seconds`, then waits for the answers in flight. */
export async function postLoad(o: PostLoadOptions): Promise<PostLoadResult> {
  const u = new URL(o.url);
  const bytes = o.requests.map((r) => requestBytes(u.host, r));
  const statuses = new Map<number, number>();
  const t0 = performance.now();
  const stop = t0 + o.seconds * 1000;
  const counts = await Promise.all(
    Array.from({ length: o.connections }, (_, i) =>
      connection(Number(u.port), u.hostname, bytes, i, stop, statuses),
    ),
  );
  return {
    ops: counts.reduce((a, b) => a + b, 0),
    seconds: (performance.now() - t0) / 1000,
    statuses,
  };
}
