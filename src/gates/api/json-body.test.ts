import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { forbiddenKeyError, forbiddenKeyPath } from './json-body.ts';

describe('JSON bodies refused for prototype poisoning', () => {
  it('finds the key Fastify refuses, with its path', () => {
    assert.equal(forbiddenKeyPath(JSON.parse('{"__proto__":{"admin":true}}')), 'body.__proto__');
    assert.equal(
      forbiddenKeyPath(JSON.parse('{"a":[1,{"constructor":{"prototype":{"x":1}}}]}')),
      'body.a[1].constructor.prototype',
    );
    assert.equal(
      forbiddenKeyPath(JSON.parse('{"x":{"y":{"__proto__":null}}}')),
      'body.x.y.__proto__',
    );
  });

  it('leaves ordinary bodies alone, "constructor" as a plain key included', () => {
    for (const text of [
      '{"constructor":"Bob"}',
      '{"constructor":{"x":1}}',
      '[1,"__proto__"]',
      'null',
    ])
      assert.equal(forbiddenKeyPath(JSON.parse(text)), null, text);
  });

  it('turns a refusal of valid JSON into json_forbidden_key; a syntax error stays one', () => {
    const e = forbiddenKeyError('{"profile":{"__proto__":{"x":1}}}');
    assert.equal(e?.type, 'json_forbidden_key');
    assert.equal(e?.status, 400);
    assert.match(e.message, /"__proto__" at body\.profile\.__proto__/);
    assert.doesNotMatch(e.message, /not valid JSON/);
    assert.equal(forbiddenKeyError('{"a":'), null);
  });

  it('walks a deeply nested body without exhausting the stack', () => {
    const deep = '['.repeat(50_000) + '{"__proto__":1}' + ']'.repeat(50_000);
    assert.match(forbiddenKeyPath(JSON.parse(deep)) ?? '', /\.__proto__$/);
  });
});
