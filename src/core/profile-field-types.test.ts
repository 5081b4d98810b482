import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkProfileValue,
  formatProfileCsv,
  parseProfileCsv,
  type ProfileFieldDef,
  type ProfileFieldType,
} from './profile-field-types.ts';

const def = (
  type: ProfileFieldType,
  options: string[] = [],
  required = false,
): ProfileFieldDef => ({ name: 'f', label: 'Field', type, options, required });

describe('profile field values (JSON)', () => {
  const cases: [ProfileFieldType, unknown, boolean][] = [
    ['string', 'text', true],
    ['string', 5, false],
    ['string', 'x'.repeat(256), false],
    ['text', 'long\ntext', true],
    ['integer', 42, true],
    ['integer', 4.2, false],
    ['integer', '42', false],
    ['checkbox', true, true],
    ['checkbox', 'Yes', false],
    ['datetime', '2026-01-31T09:30:00Z', true],
    ['datetime', 'tomorrow', false],
    ['date', '2026-02-28', true],
    ['date', '2026-02-30', false],
    ['date_no_year', '12-25', true],
    ['date_no_year', '02-29', true],
    ['date_no_year', '13-01', false],
    ['hyperlink', 'https://example.org/x', true],
    ['hyperlink', 'javascript:alert(1)', false],
    ['user', 7, true],
    ['user', 0, false],
    ['address', '1 High Street', true],
  ];
  for (const [type, value, ok] of cases) {
    it(`${type} ${JSON.stringify(value)} is ${ok ? 'accepted' : 'refused'}`, () => {
      assert.equal(checkProfileValue(def(type), value).ok, ok);
    });
  }
  it('select accepts only its options, multiselect only lists of them (deduplicated)', () => {
    const sel = def('select', ['Red', 'Blue']);
    assert.equal(checkProfileValue(sel, 'Red').ok, true);
    assert.equal(checkProfileValue(sel, 'red').ok, false);
    const multi = def('multiselect', ['Red', 'Blue']);
    assert.deepEqual(checkProfileValue(multi, ['Red', 'Red', 'Blue']), {
      ok: true,
      value: ['Red', 'Blue'],
    });
    assert.equal(checkProfileValue(multi, ['Green']).ok, false);
  });
  it('null or empty clears a value, unless the field is required', () => {
    assert.deepEqual(checkProfileValue(def('string'), ''), { ok: true, value: null });
    assert.equal(checkProfileValue(def('string', [], true), null).ok, false);
  });
});

describe('profile field values (CSV formats of KB 885)', () => {
  const roundTrips: [ProfileFieldType, string, unknown][] = [
    ['checkbox', 'Yes', true],
    ['checkbox', 'No', false],
    ['datetime', '20260131093000', '2026-01-31T09:30:00.000Z'],
    ['date', '20260131', '2026-01-31'],
    ['date_no_year', '1225', '12-25'],
    ['integer', '42', 42],
    ['multiselect', 'Red,Blue', ['Red', 'Blue']],
    ['user', '12', 12],
    ['string', 'plain', 'plain'],
  ];
  for (const [type, csv, json] of roundTrips) {
    it(`${type}: "${csv}" ⇄ ${JSON.stringify(json)}`, () => {
      const d = def(type, ['Red', 'Blue']);
      assert.deepEqual(parseProfileCsv(d, csv), { ok: true, value: json });
      assert.equal(formatProfileCsv(d, json as never), csv);
    });
  }
  it('names the expected format when a cell is wrong', () => {
    const r = parseProfileCsv(def('date'), '31/01/2026');
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.message : '', /YYYYMMDD/);
  });
});
