import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fromSpreadsheetSafe, spreadsheetSafe } from './spreadsheet.ts';

describe('spreadsheet safety', () => {
  it('defuses cells a spreadsheet would run as formulas, and import undoes it', () => {
    for (const cell of ['=1+1', '+44 20 7946 0000', '-5', '@SUM(A1)', '\tx']) {
      const safe = spreadsheetSafe(cell);
      assert.ok(safe.startsWith("'"), cell);
      assert.equal(fromSpreadsheetSafe(safe), cell);
    }
  });
  it('leaves ordinary cells and ordinary apostrophes alone', () => {
    assert.equal(spreadsheetSafe('Jane'), 'Jane');
    assert.equal(fromSpreadsheetSafe("O'Brien"), "O'Brien");
    assert.equal(fromSpreadsheetSafe("'quoted"), "'quoted");
  });
  it('keeps values that start with apostrophes before a formula character', () => {
    for (const cell of ["'=1+1", "''+44", "'-"]) {
      const safe = spreadsheetSafe(cell);
      assert.equal(safe, `'${cell}`);
      assert.equal(fromSpreadsheetSafe(safe), cell);
    }
  });
});
