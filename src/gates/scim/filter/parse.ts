/**
 * SCIM filters (RFC 7644 §3.4.2.2) parsed to an AST whose attributes are resolved against
 * the resource's catalogue. Precedence: not, then and, then or; parentheses group. Limits
 * on length, depth and terms keep hostile filters from costing more than a real one; an
 * unknown attribute or bad syntax is scim_invalid_filter (400 invalidFilter).
 *
 * Besides the RFC's `emails[type eq "work"]`, the value path may go on to a sub-attribute
 * and a comparison, `emails[type eq "work"].value eq "x"`, as Entra ID sends it.
 */
import { fail } from '../../../core/errors.ts';
import {
  FILTER_ATTRIBUTES,
  coreSchemaOf,
  type FilterAttr,
  type ResourceKind,
} from '../attributes.ts';

export type CompareOp = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';
export type Literal = string | number | boolean | null;

export type FilterNode =
  | { kind: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { kind: 'not'; node: FilterNode }
  | { kind: 'compare'; attr: FilterAttr; op: CompareOp; value: Literal }
  | { kind: 'present'; attr: FilterAttr }
  /** A condition on the values of a multi-valued attribute; `filter` names its sub-attributes. */
  | { kind: 'valuePath'; attr: FilterAttr; filter: FilterNode };

export const FILTER_LIMITS = { length: 4096, depth: 12, terms: 64 } as const;

const COMPARE = new Set(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le']);

type Token =
  | { t: 'word'; v: string; at: number }
  | { t: 'string'; v: string; at: number }
  | { t: '(' | ')' | '[' | ']'; at: number };

function invalid(message: string): never {
  fail('scim_invalid_filter', `The filter is not valid: ${message}.`);
}

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (c === '(' || c === ')' || c === '[' || c === ']') {
      out.push({ t: c, at: i });
      i++;
    } else if (c === '"') {
      // A JSON string: find its end (a quote not escaped), then let JSON decode it.
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (j >= text.length) invalid(`the string starting at character ${i + 1} is not closed`);
      let v: unknown;
      try {
        v = JSON.parse(text.slice(i, j + 1));
      } catch {
        invalid(`the string at character ${i + 1} has a bad escape`);
      }
      out.push({ t: 'string', v: v as string, at: i });
      i = j + 1;
    } else if (/[A-Za-z0-9:._$+-]/.test(c)) {
      let j = i;
      while (j < text.length && /[A-Za-z0-9:._$+-]/.test(text[j]!)) j++;
      out.push({ t: 'word', v: text.slice(i, j), at: i });
      i = j;
    } else {
      invalid(`unexpected character "${c}" at character ${i + 1}`);
    }
  }
  return out;
}

const NUMBER = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;
const ATTR_NAME = /^[A-Za-z][A-Za-z0-9_$-]*$/;

class Parser {
  private pos = 0;
  private terms = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly kind: ResourceKind,
  ) {}

  parse(parent: FilterAttr | null = null): FilterNode {
    if (this.tokens.length === 0) invalid('it is empty');
    const node = this.or(0, parent);
    const rest = this.tokens[this.pos];
    if (rest) invalid(`unexpected ${describe(rest)} at character ${rest.at + 1}`);
    return node;
  }

  private peekWord(): string | undefined {
    const t = this.tokens[this.pos];
    return t?.t === 'word' ? t.v.toLowerCase() : undefined;
  }

  private expect(kind: ')' | ']' | '(' | '['): void {
    const t = this.tokens[this.pos];
    if (t?.t !== kind)
      invalid(t ? `expected "${kind}" at character ${t.at + 1}` : `expected "${kind}" at the end`);
    this.pos++;
  }

  private or(depth: number, parent: FilterAttr | null): FilterNode {
    let left = this.and(depth, parent);
    while (this.peekWord() === 'or') {
      this.pos++;
      left = { kind: 'or', left, right: this.and(depth, parent) };
    }
    return left;
  }

  private and(depth: number, parent: FilterAttr | null): FilterNode {
    let left = this.unary(depth, parent);
    while (this.peekWord() === 'and') {
      this.pos++;
      left = { kind: 'and', left, right: this.unary(depth, parent) };
    }
    return left;
  }

  private unary(depth: number, parent: FilterAttr | null): FilterNode {
    if (depth >= FILTER_LIMITS.depth) invalid(`it nests deeper than ${FILTER_LIMITS.depth} levels`);
    const t = this.tokens[this.pos];
    if (!t) invalid('it ends where a condition was expected');
    if (t.t === 'word' && t.v.toLowerCase() === 'not' && this.tokens[this.pos + 1]?.t === '(') {
      this.pos++;
      this.expect('(');
      const node = this.or(depth + 1, parent);
      this.expect(')');
      return { kind: 'not', node };
    }
    if (t.t === '(') {
      this.pos++;
      const node = this.or(depth + 1, parent);
      this.expect(')');
      return node;
    }
    if (t.t !== 'word') invalid(`expected an attribute at character ${t.at + 1}`);
    return this.term(depth, parent);
  }

  private term(depth: number, parent: FilterAttr | null): FilterNode {
    if (++this.terms > FILTER_LIMITS.terms)
      invalid(`it has more than ${FILTER_LIMITS.terms} conditions`);
    const t = this.tokens[this.pos++] as Token & { t: 'word' };
    const resolved = this.resolve(t.v, t.at, parent);
    if ('multi' in resolved)
      // A dotted path into a multi-valued attribute: emails.type eq "work".
      return {
        kind: 'valuePath',
        attr: resolved.multi,
        filter: this.condition(resolved.sub, t.at),
      };
    const attr = resolved;
    if (this.tokens[this.pos]?.t === '[') {
      if (parent) invalid(`value paths cannot nest (character ${t.at + 1})`);
      if (!attr.subs) invalid(`"${t.v}" is not multi-valued, so it has no [ ] filter`);
      this.pos++;
      const inner = this.or(depth + 1, attr);
      this.expect(']');
      const next = this.tokens[this.pos];
      // Entra's form: emails[type eq "work"].value eq "x" — the comparison joins the value filter.
      if (next?.t === 'word' && next.v.startsWith('.')) {
        this.pos++;
        const sub = this.resolveSub(next.v.slice(1), next.at + 1, attr);
        const cond = this.condition(sub, next.at);
        return { kind: 'valuePath', attr, filter: { kind: 'and', left: inner, right: cond } };
      }
      return { kind: 'valuePath', attr, filter: inner };
    }
    // "emails.value eq x" or "emails eq x" outside brackets: a condition on one of the values.
    if (!parent && attr.subs) {
      const sub = attr.subs.get('value')!;
      return { kind: 'valuePath', attr, filter: this.condition(sub, t.at) };
    }
    return this.condition(attr, t.at);
  }

  private condition(attr: FilterAttr, at: number): FilterNode {
    const opTok = this.tokens[this.pos];
    const op = opTok?.t === 'word' ? opTok.v.toLowerCase() : undefined;
    if (op === 'pr') {
      this.pos++;
      return { kind: 'present', attr };
    }
    if (op === undefined || !COMPARE.has(op))
      invalid(
        opTok
          ? `expected an operator (eq, ne, co, sw, ew, gt, ge, lt, le, pr) at character ${opTok.at + 1}`
          : `the condition at character ${at + 1} has no operator`,
      );
    this.pos++;
    const value = this.literal();
    if (attr.subs) invalid(`"${attr.path}" is complex; compare one of its sub-attributes`);
    if (attr.type === 'boolean' && typeof value !== 'boolean' && value !== null)
      invalid(`"${attr.path}" is true or false`);
    if (attr.type === 'boolean' && op !== 'eq' && op !== 'ne')
      invalid(`"${attr.path}" is a boolean: use eq or ne`);
    if ((op === 'co' || op === 'sw' || op === 'ew') && typeof value !== 'string')
      invalid(`${op} compares text: give a quoted string`);
    if (
      (op === 'gt' || op === 'ge' || op === 'lt' || op === 'le') &&
      (value === null || typeof value === 'boolean')
    )
      invalid(`${op} needs a string or number`);
    return { kind: 'compare', attr, op: op as CompareOp, value };
  }

  private literal(): Literal {
    const t = this.tokens[this.pos];
    if (!t) invalid('a value is missing at the end');
    this.pos++;
    if (t.t === 'string') return t.v;
    if (t.t === 'word') {
      const w = t.v.toLowerCase();
      if (w === 'true') return true;
      if (w === 'false') return false;
      if (w === 'null') return null;
      if (NUMBER.test(t.v)) return Number(t.v);
      invalid(`the value "${t.v}" at character ${t.at + 1} must be quoted`);
    }
    invalid(`expected a value at character ${t.at + 1}`);
  }

  /** Resolves a name (maybe with a schema URN prefix) to the catalogue; unknown ones fail. */
  private resolveSub(raw: string, at: number, parent: FilterAttr): FilterAttr {
    if (raw.length > 200) invalid(`the attribute name at character ${at + 1} is too long`);
    const sub = ATTR_NAME.test(raw) ? parent.subs?.get(raw.toLowerCase()) : undefined;
    if (!sub) invalid(`"${parent.path}" has no sub-attribute "${raw}"`);
    return sub;
  }

  private resolve(
    raw: string,
    at: number,
    parent: FilterAttr | null,
  ): FilterAttr | { multi: FilterAttr; sub: FilterAttr } {
    if (parent) return this.resolveSub(raw, at, parent);
    if (raw.length > 200) invalid(`the attribute name at character ${at + 1} is too long`);
    let name = raw;
    const lower = raw.toLowerCase();
    const core = coreSchemaOf(this.kind).toLowerCase() + ':';
    if (lower.startsWith(core)) name = raw.slice(core.length);
    let uri = '';
    const colon = name.lastIndexOf(':');
    if (colon >= 0) {
      uri = name.slice(0, colon + 1);
      name = name.slice(colon + 1);
    }
    const parts = name.split('.');
    if (parts.length > 2 || parts.some((p) => !ATTR_NAME.test(p)))
      invalid(`"${raw}" is not an attribute name`);
    const catalogue = FILTER_ATTRIBUTES[this.kind];
    const found = catalogue.get((uri + name).toLowerCase());
    if (found) return found;
    if (parts.length === 2) {
      const multi = catalogue.get((uri + parts[0]!).toLowerCase());
      const sub = multi?.subs?.get(parts[1]!.toLowerCase());
      if (multi && sub) return { multi, sub };
    }
    invalid(`"${raw}" is not a ${this.kind} attribute this server can filter on`);
  }
}

function describe(t: Token): string {
  return t.t === 'word' ? `"${t.v}"` : t.t === 'string' ? 'string' : `"${t.t}"`;
}

/**
 * `attribute eq "text"` with a plain attribute name and a string without escapes or control
 * characters (JSON would refuse some, so all are left to the parser): the filter every IdP
 * sends before a create (`userName eq "…"`). Anything else is left to the parser.
 */
const SIMPLE_EQ =
  /^[ \t\r\n]*([A-Za-z][A-Za-z0-9_$-]*)[ \t\r\n]+[eE][qQ][ \t\r\n]+"([^"\\\p{Cc}]*)"[ \t\r\n]*$/u;

/**
 * The simple shape read at once, as the same node the parser makes of it (the parser's own
 * rules: the name as the catalogue knows it, a single-valued attribute that is not a
 * boolean); undefined sends the filter to the parser. Tokenizing and parsing was a
 * twentieth of a SCIM lookup's CPU time (bench/scim.bench.ts).
 */
function simpleEquality(text: string, kind: ResourceKind): FilterNode | undefined {
  const m = SIMPLE_EQ.exec(text);
  if (!m) return undefined;
  const attr = FILTER_ATTRIBUTES[kind].get(m[1]!.toLowerCase());
  if (!attr || attr.subs || attr.type === 'boolean') return undefined;
  return { kind: 'compare', attr, op: 'eq', value: m[2]! };
}

export function parseFilter(text: string, kind: ResourceKind): FilterNode {
  if (text.length > FILTER_LIMITS.length)
    invalid(`it is longer than ${FILTER_LIMITS.length} characters`);
  return simpleEquality(text, kind) ?? new Parser(tokenize(text), kind).parse();
}

/** The filter inside a PATCH path's brackets, on the sub-attributes of a multi-valued attribute. */
export function parseValueFilter(text: string, kind: ResourceKind, multiPath: string): FilterNode {
  if (text.length > FILTER_LIMITS.length)
    invalid(`it is longer than ${FILTER_LIMITS.length} characters`);
  const parent = FILTER_ATTRIBUTES[kind].get(multiPath.toLowerCase());
  if (!parent?.subs) invalid(`"${multiPath}" is not multi-valued, so it has no [ ] filter`);
  return new Parser(tokenize(text), kind).parse(parent);
}
