import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { totalFromPage } from './people-repo.ts';

describe('totalFromPage', () => {
  it('a part-filled page tells the total: offset + rows', () => {
    assert.equal(totalFromPage({ offset: 0, limit: 20 }, 7), 7);
    assert.equal(totalFromPage({ offset: 40, limit: 20 }, 3), 43);
  });

  it('an empty first page means nobody matched', () => {
    assert.equal(totalFromPage({ offset: 0, limit: 20 }, 0), 0);
  });

  it('a full page, or an empty page after the first, needs a count', () => {
    assert.equal(totalFromPage({ offset: 0, limit: 20 }, 20), undefined);
    assert.equal(totalFromPage({ offset: 200, limit: 20 }, 0), undefined);
  });
});
