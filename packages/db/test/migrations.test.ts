import { describe, expect, it } from "@effect/vitest"
import { splitStatements } from "@starform/db"

describe("splitStatements", () => {
  it("keeps semicolons inside strings, identifiers, dollar quotes and comments", () => {
    const script = `-- header; comment
CREATE TABLE "a;b" (note text DEFAULT 'x;''y');
/* block; /* nested; */ still */
CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$ BEGIN RETURN 1; END $body$;
DO $$ BEGIN PERFORM 1; END $$`
    expect(splitStatements(script)).toEqual([
      `-- header; comment\nCREATE TABLE "a;b" (note text DEFAULT 'x;''y')`,
      `/* block; /* nested; */ still */\nCREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$ BEGIN RETURN 1; END $body$`,
      "DO $$ BEGIN PERFORM 1; END $$",
    ])
  })

  it("refuses an unterminated string rather than running half a statement", () => {
    expect(() => splitStatements("SELECT 'oops;")).toThrow(/unterminated string/)
  })
})
