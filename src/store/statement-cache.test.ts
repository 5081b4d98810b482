import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { withStatementCache } from './statement-cache.ts';

const values = (n: number) => 'INSERT INTO t (x) VALUES ' + Array(n).fill('(?)').join(', ');

describe('statement cache', () => {
  const raw = new Database(':memory:');
  raw.exec('CREATE TABLE t (x INTEGER)');
  const db = withStatementCache(raw);

  it('reuses a short statement and a long bulk statement; does not keep a huge one', () => {
    assert.equal(db.prepare('SELECT 1'), db.prepare('SELECT 1'));
    const bulk = values(1000); // ~5,000 characters: a chunk of a bulk insert
    assert.equal(db.prepare(bulk), db.prepare(bulk));
    const huge = `SELECT '${'x'.repeat(250_000)}'`; // over 200,000 characters
    assert.notEqual(db.prepare(huge), db.prepare(huge));
  });

  it('a reused statement still runs with new values', () => {
    const bulk = values(3);
    db.prepare(bulk).run([1, 2, 3]);
    db.prepare(bulk).run([4, 5, 6]);
    assert.equal((raw.prepare('SELECT sum(x) AS s FROM t').get() as { s: number }).s, 21);
  });

  it('keeps only the few most recently used long statements', () => {
    const first = db.prepare(values(500));
    for (let n = 501; n < 520; n++) db.prepare(values(n));
    assert.notEqual(db.prepare(values(500)), first);
  });
});
