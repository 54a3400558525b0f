/**
 * The WHERE clause of a list query, built a condition at a time, each with its parameter
 * numbered in the order added ($1, $2, ...): the admin lists (devices, dead letters, grants)
 * filter by department, status, search text and so on this way.
 */
export class SqlFilter {
  readonly params: unknown[] = [];
  private readonly conditions: string[] = [];

  /** Adds the condition `condition(placeholder)` with `value` as its parameter (whatever the value, null included). */
  where(value: unknown, condition: (placeholder: string) => string): this {
    this.params.push(value);
    this.conditions.push(condition(`$${this.params.length}`));
    return this;
  }

  /** As where, for an optional filter: nothing when `value` is undefined, null or "" (not given). */
  whereGiven(value: unknown, condition: (placeholder: string) => string): this {
    return value === undefined || value === null || value === "" ? this : this.where(value, condition);
  }

  /** Adds a condition without a parameter. */
  whereSql(condition: string): this {
    this.conditions.push(condition);
    return this;
  }

  /** "WHERE a AND b", or "" without conditions. */
  get clause(): string {
    return this.conditions.length ? `WHERE ${this.conditions.join(" AND ")}` : "";
  }

  /** A copy to add more conditions to, this one left as it is. */
  copy(): SqlFilter {
    const c = new SqlFilter();
    c.params.push(...this.params);
    c.conditions.push(...this.conditions);
    return c;
  }
}

/** An ILIKE pattern matching `text` anywhere, its % _ and \ taken literally. */
export const containsPattern = (text: string): string => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
