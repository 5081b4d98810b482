/**
 * SCIM filter ASTs (src/gates/scim/filter/parse.ts) compiled to one SQL condition on
 * scim_users or scim_groups (as RESOURCE_ALIAS), for both engines: never a scan in memory.
 * Every value is a bound parameter; column names come from the fixed tables below only.
 * Case-insensitive attributes are compared on their lower-cased *_key columns with a
 * lower-cased value; LIKE patterns are escaped.
 */
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { Capabilities } from './capabilities.ts';
import type { FilterNode, Literal } from '../gates/scim/filter/parse.ts';
import type { FilterAttr } from '../gates/scim/attributes.ts';
import { fail } from '../core/errors.ts';
import { likeEscape, usernameKey } from '../core/normalize.ts';

type Cond = RawBuilder<SqlBool>;
export type ScimTable = 'User' | 'Group';
/** The name the listing query (store/scim-repo.ts) gives the resource's table. */
export const RESOURCE_ALIAS = 'r';

/** A column of the resource's own row, with how it compares. */
interface Column {
  column: string;
  /** Compared on a lower-cased key column with a lower-cased value. */
  folded: boolean;
  type: 'string' | 'boolean' | 'dateTime';
}

const USER_COLUMNS: Record<string, Column> = {
  id: { column: 'scim_id', folded: false, type: 'string' },
  externalid: { column: 'external_id', folded: false, type: 'string' },
  username: { column: 'user_name_key', folded: true, type: 'string' },
  displayname: { column: 'display_name_key', folded: true, type: 'string' },
  active: { column: 'active', folded: false, type: 'boolean' },
  'meta.created': { column: 'created_at', folded: false, type: 'dateTime' },
  'meta.lastmodified': { column: 'updated_at', folded: false, type: 'dateTime' },
};

const GROUP_COLUMNS: Record<string, Column> = {
  id: { column: 'scim_id', folded: false, type: 'string' },
  externalid: { column: 'external_id', folded: false, type: 'string' },
  displayname: { column: 'display_name_key', folded: true, type: 'string' },
  'meta.created': { column: 'created_at', folded: false, type: 'dateTime' },
  'meta.lastmodified': { column: 'updated_at', folded: false, type: 'dateTime' },
};

/**
 * The attributes whose values have an index (one partial index each, migration 0018):
 * those identity providers look users up by (Entra: `emails[type eq "work"].value`, or the
 * employee number as a matching attribute). A filter on one of them reads that index; on any
 * other it is still one SQL query, over the directory's value rows, and no create writes an
 * index entry for values that no provider looks up (one page each: docs/benchmarks.md).
 */
export const INDEXED_VALUE_ATTRS: ReadonlySet<string> = new Set([
  'emails',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber',
]);

/** Sub-attributes of a user's multi-valued values (scim_values columns). */
const VALUE_COLUMNS: Record<string, Column> = {
  value: { column: 'value_key', folded: true, type: 'string' },
  type: { column: 'type', folded: true, type: 'string' },
  primary: { column: 'is_primary', folded: false, type: 'boolean' },
};

export class ScimFilterCompiler {
  constructor(
    private readonly caps: Capabilities,
    private readonly table: ScimTable,
    private readonly directoryId: number,
  ) {}

  private get alias(): string {
    return RESOURCE_ALIAS;
  }

  compile(node: FilterNode): Cond {
    switch (node.kind) {
      case 'and':
        return sql<SqlBool>`(${this.compile(node.left)} AND ${this.compile(node.right)})`;
      case 'or':
        return sql<SqlBool>`(${this.compile(node.left)} OR ${this.compile(node.right)})`;
      case 'not':
        return sql<SqlBool>`(NOT ${this.compile(node.node)})`;
      case 'valuePath':
        return this.valuePath(node.attr, node.filter);
      case 'present':
      case 'compare':
        return this.leaf(node);
    }
  }

  private leaf(node: Extract<FilterNode, { kind: 'present' | 'compare' }>): Cond {
    const path = node.attr.path.toLowerCase();
    if (path === 'meta.resourcetype') {
      const is =
        node.kind === 'present' ||
        (node.op === 'eq'
          ? node.value === this.table
          : node.op === 'ne' && node.value !== this.table);
      return is ? sql<SqlBool>`(1 = 1)` : sql<SqlBool>`(1 = 0)`;
    }
    const own = (this.table === 'User' ? USER_COLUMNS : GROUP_COLUMNS)[path];
    // A user's userName is its account's username: people's unique index finds it (scim_users
    // has no index of its own on it, migration 0018).
    if (
      own &&
      this.table === 'User' &&
      path === 'username' &&
      node.kind === 'compare' &&
      node.op === 'eq' &&
      typeof node.value === 'string'
    )
      return sql<SqlBool>`(${sql.ref(`${this.alias}.person_id`)} IN (SELECT p.id FROM people p WHERE p.username_key = ${this.operand(node.value, own)}))`;
    if (own) return this.condition(sql.ref(`${this.alias}.${own.column}`), own, node);
    if (this.table === 'Group')
      fail(
        'scim_invalid_filter',
        `The filter is not valid: groups cannot be filtered on "${node.attr.path}".`,
      );
    // Any other single-valued user attribute: one row of scim_values named by its path.
    const col: Column = { column: 'value_key', folded: !node.attr.caseExact, type: 'string' };
    const valueCol = sql.ref(node.attr.caseExact ? 'v.value' : 'v.value_key');
    if (node.kind === 'compare' && node.op === 'ne') {
      const eq = this.condition(valueCol, col, { ...node, op: 'eq' });
      return sql<SqlBool>`(NOT ${this.valuesExist(node.attr.path, eq)})`;
    }
    const inner =
      node.kind === 'present' ? sql<SqlBool>`(1 = 1)` : this.condition(valueCol, col, node);
    return this.valuesExist(node.attr.path, inner);
  }

  /**
   * Whether the user has a value of `attr` meeting `inner`. For an indexed attribute, the
   * users found through the value index (the attribute as a literal from the fixed set above,
   * so that the planner knows the partial index applies); for the others, the user's own
   * value rows, under its key.
   */
  private valuesExist(attr: string, inner: Cond): Cond {
    if (INDEXED_VALUE_ATTRS.has(attr))
      return sql<SqlBool>`(${sql.ref(`${this.alias}.scim_id`)} IN (SELECT v.scim_id FROM scim_values v WHERE v.directory_id = ${this.directoryId} AND v.attr = ${sql.lit(attr)} AND ${inner}))`;
    return sql<SqlBool>`EXISTS (SELECT 1 FROM scim_values v WHERE v.directory_id = ${this.directoryId} AND v.scim_id = ${sql.ref(`${this.alias}.scim_id`)} AND v.attr = ${attr} AND ${inner})`;
  }

  private valuePath(attr: FilterAttr, filter: FilterNode): Cond {
    if (this.table === 'Group') {
      // members[value eq "…"]: a member of this group with that SCIM id.
      const inner = this.subCondition(filter, (name) => {
        if (name === 'value')
          return {
            ref: sql.ref('mu.scim_id'),
            col: { column: 'scim_id', folded: false, type: 'string' },
          };
        if (name === 'display')
          return {
            ref: sql.ref('mu.display_name_key'),
            col: { column: 'display_name_key', folded: true, type: 'string' },
          };
        fail(
          'scim_invalid_filter',
          `The filter is not valid: members can be filtered on value and display only.`,
        );
      });
      return sql<SqlBool>`EXISTS (SELECT 1 FROM group_members gm JOIN scim_users mu ON mu.person_id = gm.person_id AND mu.directory_id = ${this.directoryId} WHERE gm.group_id = ${sql.ref(`${this.alias}.group_id`)} AND ${inner})`;
    }
    const inner = this.subCondition(filter, (name) => {
      const col = VALUE_COLUMNS[name];
      if (!col)
        fail(
          'scim_invalid_filter',
          `The filter is not valid: ${attr.path} can be filtered on value, type and primary.`,
        );
      return { ref: sql.ref(`v.${col.column}`), col };
    });
    return this.valuesExist(attr.path, inner);
  }

  /** A value filter's condition on the columns of one value row. */
  private subCondition(
    f: FilterNode,
    column: (name: string) => { ref: RawBuilder<unknown>; col: Column },
  ): Cond {
    switch (f.kind) {
      case 'and':
        return sql<SqlBool>`(${this.subCondition(f.left, column)} AND ${this.subCondition(f.right, column)})`;
      case 'or':
        return sql<SqlBool>`(${this.subCondition(f.left, column)} OR ${this.subCondition(f.right, column)})`;
      case 'not':
        return sql<SqlBool>`(NOT ${this.subCondition(f.node, column)})`;
      case 'valuePath':
        fail('scim_invalid_filter', 'The filter is not valid: value paths cannot nest.');
      // falls through (fail never returns)
      case 'present':
      case 'compare': {
        const { ref, col } = column(f.attr.path.toLowerCase());
        return this.condition(ref, col, f);
      }
    }
  }

  /** One comparison on one column. */
  private condition(
    ref: RawBuilder<unknown>,
    col: Column,
    node: Extract<FilterNode, { kind: 'present' | 'compare' }>,
  ): Cond {
    if (node.kind === 'present')
      return col.type === 'boolean'
        ? sql<SqlBool>`(${ref} IS NOT NULL)`
        : sql<SqlBool>`(${ref} IS NOT NULL AND ${ref} <> '')`;
    const { op } = node;
    if (node.value === null)
      return op === 'eq' ? sql<SqlBool>`(${ref} IS NULL)` : sql<SqlBool>`(${ref} IS NOT NULL)`;
    if (col.type === 'boolean') {
      const bit = node.value === true ? 1 : 0;
      return op === 'eq' ? sql<SqlBool>`(${ref} = ${bit})` : sql<SqlBool>`(${ref} <> ${bit})`;
    }
    const v = this.operand(node.value, col);
    switch (op) {
      case 'eq':
        return sql<SqlBool>`(${ref} = ${v})`;
      case 'ne':
        return sql<SqlBool>`(${ref} IS NULL OR ${ref} <> ${v})`;
      case 'gt':
        return sql<SqlBool>`(${ref} > ${v})`;
      case 'ge':
        return sql<SqlBool>`(${ref} >= ${v})`;
      case 'lt':
        return sql<SqlBool>`(${ref} < ${v})`;
      case 'le':
        return sql<SqlBool>`(${ref} <= ${v})`;
      case 'co':
      case 'sw':
      case 'ew':
        return this.substring(ref, col, op, v);
    }
  }

  private substring(
    ref: RawBuilder<unknown>,
    col: Column,
    op: 'co' | 'sw' | 'ew',
    v: string,
  ): Cond {
    if (col.folded) {
      // Both sides lower-cased already: LIKE's case rules (SQLite folds ASCII, PostgreSQL
      // does not) cannot differ. Wildcards in the value are escaped.
      const e = likeEscape(v);
      const pattern = op === 'co' ? `%${e}%` : op === 'sw' ? `${e}%` : `%${e}`;
      return sql<SqlBool>`(${ref} LIKE ${pattern} ESCAPE '\\')`;
    }
    // Case-exact: SQLite's LIKE ignores case, so compare substrings instead.
    const n = [...v].length;
    if (op === 'sw') return sql<SqlBool>`(substr(${ref}, 1, ${n}) = ${v})`;
    if (op === 'ew')
      return sql<SqlBool>`(length(${ref}) >= ${n} AND substr(${ref}, length(${ref}) - ${n} + 1) = ${v})`;
    return this.caps.engine === 'sqlite'
      ? sql<SqlBool>`(instr(${ref}, ${v}) > 0)`
      : sql<SqlBool>`(strpos(${ref}, ${v}) > 0)`;
  }

  /** The value as stored: folded like the key columns, dates as ISO-8601 UTC text. */
  private operand(value: Exclude<Literal, null>, col: Column): string {
    let text = String(value);
    if (col.type === 'dateTime') {
      const t = Date.parse(text);
      if (Number.isNaN(t))
        fail(
          'scim_invalid_filter',
          `The filter is not valid: "${text}" is not a date and time (xsd:dateTime).`,
        );
      text = new Date(t).toISOString();
    }
    return col.folded ? usernameKey(text) : text;
  }
}
