/**
 * JSON bodies that Fastify's parser refuses for prototype poisoning (a key `__proto__`, or a
 * key `constructor` whose object has `prototype`) come back from it as "not valid JSON", which
 * sends people looking for a syntax error. This names the real reason and where the key is.
 */
import { GatehouseError } from '../../core/errors.ts';

/** The path of the first key Fastify refuses in a parsed value (`body.a[0].__proto__`), or null. */
export function forbiddenKeyPath(value: unknown): string | null {
  // Depth-first with a stack: a deeply nested body must not exhaust the call stack.
  const stack: { v: unknown; path: string }[] = [{ v: value, path: 'body' }];
  while (stack.length > 0) {
    const { v, path } = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], path: `${path}[${i}]` });
      continue;
    }
    const own = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);
    if (own(v, '__proto__')) return `${path}.__proto__`;
    const ctor: unknown = own(v, 'constructor')
      ? (v as Record<string, unknown>).constructor
      : undefined;
    if (typeof ctor === 'object' && ctor !== null && own(ctor, 'prototype'))
      return `${path}.constructor.prototype`;
    const entries = Object.entries(v as Record<string, unknown>);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [k, child] = entries[i]!;
      stack.push({ v: child, path: `${path}.${k}` });
    }
  }
  return null;
}

/**
 * Why Fastify refused a body that is valid JSON: `json_forbidden_key` naming the key, or null
 * when the text really is not JSON (the syntax error stands). Only called on a refusal.
 */
export function forbiddenKeyError(text: string): GatehouseError | null {
  let parsed: unknown;
  try {
    // JSON.parse makes "__proto__" an own property; nothing is polluted, and it is discarded.
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  const found = forbiddenKeyPath(parsed);
  if (found === null) return null;
  // A deeply nested key has a long path: its end says where.
  const path = found.length > 120 ? `…${found.slice(-120)}` : found;
  return new GatehouseError(
    'json_forbidden_key',
    `The JSON body has the key ${found.endsWith('.prototype') ? '"constructor" holding "prototype"' : '"__proto__"'} at ${path}, which this server refuses for safety (it could alter objects' prototypes). Rename or remove that key.`,
  );
}
