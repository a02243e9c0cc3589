import { readdirSync, readFileSync, statSync } from "node:fs"
import { join, relative } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { namedIn } from "./SqlTables.ts"

/**
 * Services never touch each other's tables: each service's SQL (every `sql` template under `services/<name>/src`,
 * new service folders included) may name only the tables `migrations/README.md` lists under that service, and every
 * table the migrations create has exactly one owner there.
 */

const root = fileURLToPath(new URL("../..", import.meta.url))
const migrations = join(root, "migrations")

/** The owner of each table, from the README's "Who owns which table" list. */
const owners = (): ReadonlyMap<string, ReadonlyArray<string>> => {
  const readme = readFileSync(join(migrations, "README.md"), "utf8")
  const section = readme.split(/^## /m).find((part) => part.startsWith("Who owns which table"))
  const byTable = new Map<string, Array<string>>()
  for (const line of section?.split("\n") ?? []) {
    const row = /^\|\s*([a-z][a-z0-9-]*)\s*\|(.*)\|\s*$/.exec(line)
    if (row === null || row[1] === "owner") continue
    for (const cell of row[2]!.split(",")) {
      const table = cell.trim().replace(/`/g, "")
      if (table !== "") byTable.set(table, [...(byTable.get(table) ?? []), row[1]!])
    }
  }
  return byTable
}

/** The tables the migrations create (and do not drop again). */
const migratedTables = (): ReadonlyArray<string> => {
  const tables = new Set<string>()
  for (const file of readdirSync(migrations)
    .filter((name) => name.endsWith(".sql"))
    .sort()) {
    const script = readFileSync(join(migrations, file), "utf8").replace(/--.*$/gm, "")
    for (const [, name] of script.matchAll(/\bCREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)/gi)) {
      tables.add(name!.toLowerCase())
    }
    for (const [, name] of script.matchAll(/\bDROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?(\w+)/gi)) {
      tables.delete(name!.toLowerCase())
    }
  }
  return [...tables].sort()
}

const sourcesUnder = (dir: string): ReadonlyArray<string> =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return name === "node_modules" ? [] : sourcesUnder(path)
    return /\.tsx?$/.test(name) && !name.endsWith(".d.ts") ? [path] : []
  })

/** Each service folder with sources, and what each of its SQL statements names. */
const services = () =>
  readdirSync(join(root, "services"))
    .filter((name) => statSync(join(root, "services", name, "src"), { throwIfNoEntry: false })?.isDirectory())
    .map((service) => ({
      service,
      statements: sourcesUnder(join(root, "services", service, "src")).flatMap((path) =>
        namedIn(readFileSync(path, "utf8")).map((named) => ({ file: relative(root, path), ...named })),
      ),
    }))

describe("the tables a service's SQL names", () => {
  const read = (source: string) => namedIn(source).map(({ tables, unreadable }) => ({ tables, unreadable }))

  it("sees a read of another service's table however it is written: joined, in a subquery, in a fragment", () => {
    const source = `
      const count = sql<{ count: number }>\`SELECT count(*)::int AS count FROM projects WHERE workspace_id = \${id}\`
      const members = sql\`DELETE FROM project_members WHERE user_id = \${userId}
        AND project_id IN (SELECT id FROM projects WHERE workspace_id = \${workspaceId})\`
      const joined = sql\`SELECT m.role FROM workspace_members m
        JOIN workspaces w ON w.id = m.workspace_id LEFT JOIN "Projects" p USING (workspace_id), regions r\`
      const filtered = sql\`SELECT 1 FROM users u \${admin ? sql\`JOIN audit_log a ON a.actor_id = u.id\` : sql\`\`}\`
    `
    expect(read(source)).toEqual([
      { tables: ["projects"], unreadable: 0 },
      { tables: ["project_members", "projects"], unreadable: 0 },
      { tables: ["workspace_members", "workspaces", "Projects", "regions"], unreadable: 0 },
      { tables: ["users", "audit_log"], unreadable: 0 },
    ])
  })

  it("names the targets of INSERT (sql.insert included), UPDATE, DELETE … USING and TRUNCATE", () => {
    const source = `
      sql\`INSERT INTO audit_log \${sql.insert({ id, action })} RETURNING id\`
      sql\`UPDATE deployments d SET status = 'failed' FROM services s WHERE s.id = d.service_id\`
      sql\`DELETE FROM builds b USING deployments d WHERE d.id = b.deployment_id\`
      sql\`TRUNCATE TABLE webhook_deliveries\`
      sql\`INSERT INTO \${sql("sessions")} (id) VALUES (\${id})\`
    `
    expect(read(source).map((named) => named.tables)).toEqual([
      ["audit_log"],
      ["deployments", "services"],
      ["builds", "deployments"],
      ["webhook_deliveries"],
      ["sessions"],
    ])
  })

  it("leaves out CTE names, functions, FROM that is not a table, ON CONFLICT's update and row locks", () => {
    const source = `
      sql\`WITH RECURSIVE picked AS (SELECT id FROM builds WHERE status = 'queued'), gone (id) AS NOT MATERIALIZED (
          DELETE FROM build_logs WHERE build_id IN (SELECT id FROM picked) RETURNING build_id)
        SELECT EXTRACT(EPOCH FROM (now() - created_at)) AS age, substring(name FROM 1 FOR 3), trim(both FROM name)
        FROM picked JOIN gone USING (id), unnest(\${ids}::text[]) AS u(id), generate_series(1, 3) g
        WHERE a IS DISTINCT FROM \${b} FOR UPDATE OF picked SKIP LOCKED\`
      sql\`INSERT INTO sessions (id) VALUES (\${id}) ON CONFLICT (id) DO UPDATE SET id = EXCLUDED.id\`
      sql\`SELECT 1 FROM users WHERE id = \${id} FOR NO KEY UPDATE\`
      sql\`SELECT 'FROM projects' AS text, $$ JOIN projects $$ -- FROM projects
        /* JOIN projects */ FROM information_schema.tables, pg_stat_activity\`
    `
    expect(read(source).map((named) => named.tables)).toEqual([["builds", "build_logs"], ["sessions"], ["users"], []])
  })

  it("reports a table named by a value it cannot read, and reads no SQL out of other strings", () => {
    const source = `
      const table = pick()
      sql\`SELECT * FROM \${sql(table)} WHERE id = \${id}\`
      sql\`UPDATE \${sql.literal(name)} SET x = 1\`
      const text = \`FROM projects\` + "sql\`FROM projects\`" + 'JOIN projects' // sql\`FROM projects\`
      const pattern = /sql\`FROM projects/g
      const ratio = a / b / c; notSql.sql\`FROM projects\`; mysql\`FROM projects\`
      sql<{ readonly a: Array<string>; b: (x: number) => void }>\`SELECT a FROM variables\`
    `
    expect(read(source)).toEqual([
      { tables: [], unreadable: 1 },
      { tables: [], unreadable: 1 },
      { tables: ["variables"], unreadable: 0 },
    ])
  })
})

describe("service boundaries in the database", () => {
  it("every table the migrations create has exactly one owner, and the owner list names only those tables", () => {
    const byTable = owners()
    const tables = migratedTables()
    expect(tables.length).toBeGreaterThan(30)
    expect({
      unowned: tables.filter((table) => !byTable.has(table)),
      ownedTwice: [...byTable].filter(([, by]) => by.length > 1).map(([table]) => table),
      notInMigrations: [...byTable.keys()].filter((table) => !tables.includes(table)),
    }).toEqual({ unowned: [], ownedTwice: [], notInMigrations: [] })
  })

  it("each service's SQL names only tables it owns", () => {
    const byTable = owners()
    const found = services()
    expect(found.map(({ service }) => service)).toEqual(expect.arrayContaining(["identity", "projects", "builds"]))
    const violations: Array<string> = []
    for (const { service, statements } of found) {
      for (const { file, line, tables, unreadable } of statements) {
        const at = `${service}: ${file}:${line}`
        if (unreadable > 0) violations.push(`${at} names a table by a value; write its name in the SQL`)
        for (const table of tables) {
          const owner = byTable.get(table)?.[0]
          if (owner === undefined) violations.push(`${at} names ${table}, which no migration creates`)
          else if (owner !== service) violations.push(`${at} touches ${table}, which ${owner} owns`)
        }
      }
    }
    // the scan reads each service's SQL: a scanner that found nothing would pass every check above
    for (const service of ["identity", "projects", "builds"]) {
      const named = found.find((s) => s.service === service)?.statements.flatMap((statement) => statement.tables)
      expect(new Set(named).size, service).toBeGreaterThan(3)
    }
    expect(violations).toEqual([])
  })
})
