import { describe, expect, it } from "vitest";
import { containsPattern, SqlFilter } from "./sql-filter";

describe("SqlFilter", () => {
  it("numbers each condition's parameter in the order added, and skips filters not given", () => {
    const f = new SqlFilter()
      .whereGiven("energy", (p) => `department_id = ${p}`)
      .whereGiven(undefined, (p) => `reason = ${p}`)
      .whereGiven("", (p) => `device_id = ${p}`)
      .whereSql("public_key IS NULL")
      .where(null, (p) => `owner = ${p}`);
    expect(f.clause).toBe("WHERE department_id = $1 AND public_key IS NULL AND owner = $2");
    expect(f.params).toEqual(["energy", null]);
    expect(new SqlFilter().clause).toBe("");
  });

  it("copies: conditions added to the copy leave the original as it was", () => {
    const base = new SqlFilter().where("energy", (p) => `department_id = ${p}`);
    const more = base.copy().where(5, (p) => `id < ${p}`);
    expect([base.clause, base.params]).toEqual(["WHERE department_id = $1", ["energy"]]);
    expect([more.clause, more.params]).toEqual(["WHERE department_id = $1 AND id < $2", ["energy", 5]]);
  });

  it("takes % _ and \\ in search text literally", () => {
    expect(containsPattern("50%_a\\b")).toBe("%50\\%\\_a\\\\b%");
  });
});
