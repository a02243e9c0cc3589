import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { EmbeddedPostgres } from "@starform/db"
import { afterAll, describe, expect, it } from "vitest"
import { interrupt, isAlive, run, type Started } from "./process.ts"

// `npm start` exactly as the README says, with no environment variables but PATH and HOME, on a fresh
// `.starform/` (STARFORM_HOME), so the embedded PostgreSQL is created from nothing.
describe("npm start", () => {
  // mkdtemp makes a 0700 folder, as private as a home directory: as root the cluster's data then lives under
  // /var/lib/starform (EmbeddedPostgres.dataDirectory), decided now, while the folder exists.
  const home = mkdtempSync(join(tmpdir(), "starform-start-"))
  const clusterData = EmbeddedPostgres.dataDirectory(join(home, "postgres"))
  let started: Started | undefined
  afterAll(async () => {
    if (started) {
      interrupt(started)
      await started.exited
    }
    rmSync(home, { recursive: true, force: true })
    rmSync(clusterData, { recursive: true, force: true })
  })

  it("serves /healthz and /openapi.json on the embedded PostgreSQL, then stops cleanly on Ctrl-C", async () => {
    started = run("npm", ["start"], { STARFORM_HOME: home, PORT: "0" })
    const [, base] = await started.waitFor(/gateway listening on (http:\/\/\S+)/)
    expect(started.output()).toMatch(/PostgreSQL runs embedded on 127\.0\.0\.1:\d+/)
    expect(started.output()).toContain(`a development encryption key was created at ${join(home, "encryption.key")}`)
    expect(statSync(join(home, "encryption.key")).mode & 0o777).toBe(0o600)

    const health = await fetch(`${base}/healthz`)
    expect(health.status).toBe(200)
    expect(await health.json()).toEqual({ status: "ok", checks: { database: "ok" } })

    const openapi = await fetch(`${base}/openapi.json`)
    expect(openapi.status).toBe(200)
    const document = (await openapi.json()) as { openapi: string; paths: Record<string, unknown> }
    expect(document.openapi).toMatch(/^3\./)
    expect(Object.keys(document.paths)).toContain("/healthz")

    // without SMTP_URL a new person's verification email is an .eml file, its link printed on the console
    expect(started.output()).toContain(`email is written to ${join(home, "mail")}`)
    const email = `smoke-${Date.now()}@example.com`
    const signup = await fetch(`${base}/v1/auth/signup`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password: "correct horse battery staple", name: "Smoke" }),
    })
    expect(signup.status).toBe(201)
    const [, link, file] = await started.waitFor(
      new RegExp(
        `mail to ${email.replace(/\./g, "\\.")}: verify your address: (http://\\S+) \\(saved as (\\S+\\.eml)\\)`,
      ),
      30_000,
    )
    expect(new URL(link!).pathname).toBe("/verify-email")
    expect(readdirSync(join(home, "mail"))).toContain(file!.split("/").pop())
    expect(readFileSync(file!, "utf8")).toMatch(/Content-Type: text\/html/i)
    const verified = await fetch(`${base}/v1/auth/verify-email`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token: new URL(link!).searchParams.get("token") }),
    })
    expect(verified.status).toBe(204)
    // The dashboard: its URL printed, its page served at / (built first when its sources changed).
    expect(started.output()).toContain(`starform: dashboard at ${base}/`)
    const page = await fetch(`${base}/`, { headers: { accept: "text/html" } })
    expect(page.status).toBe(200)
    expect(page.headers.get("cache-control")).toBe("no-cache")
    expect(await page.text()).toMatch(/<script type="module"[^>]* src="\/assets\/[^"]+\.js"/)

    const [, dataDirectory] = started.output().match(/\(data in (\S+)\)/)!
    expect(dataDirectory).toBe(clusterData)
    const postgresPid = Number(readFileSync(join(dataDirectory!, "postmaster.pid"), "utf8").split("\n")[0])
    expect(isAlive(postgresPid)).toBe(true)

    interrupt(started)
    const code = await started.exited
    expect(started.output()).toContain("starform: stopping")
    // npm re-raises Ctrl-C on itself once its script has ended, whatever the script's own (0) exit code was.
    expect([0, 130, "SIGINT"]).toContain(code)
    expect(isAlive(postgresPid)).toBe(false)
    await expect(fetch(`${base}/healthz`)).rejects.toThrow()
    expect(started.output()).not.toMatch(/error/i)
  }, 180_000)
})
