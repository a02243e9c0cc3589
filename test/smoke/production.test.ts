import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { run } from "./process.ts"

// Starbase's entry point, as `npm start` runs it, in production mode with secrets missing or wrong.
const start = (env: Record<string, string>) =>
  run(process.execPath, ["services/starbase/src/main.ts"], { PORT: "0", STARFORM_ENV: "production", ...env })

describe("npm start in production (STARFORM_ENV=production)", () => {
  const home = mkdtempSync(join(tmpdir(), "starform-production-"))
  afterAll(() => rmSync(home, { recursive: true, force: true }))

  it("stops at once without ENCRYPTION_KEY, saying what to set and how to make one, and starts nothing", async () => {
    const started = start({ STARFORM_HOME: home })
    expect(await started.exited).toBe(1)
    expect(started.output()).toMatch(/cannot start: ENCRYPTION_KEY is not set/)
    expect(started.output()).toContain("openssl rand -base64 32")
    expect(existsSync(join(home, "encryption.key"))).toBe(false)
    expect(existsSync(join(home, "postgres"))).toBe(false)
  })

  it("refuses a malformed ENCRYPTION_KEY without echoing it", async () => {
    const started = start({ STARFORM_HOME: home, ENCRYPTION_KEY: "hunter2-is-not-a-key" })
    expect(await started.exited).toBe(1)
    expect(started.output()).toMatch(/ENCRYPTION_KEY is not a valid encryption key/)
    expect(started.output()).toMatch(/32 bytes/)
    expect(started.output()).not.toContain("hunter2")
  })

  it("does not fall back to the embedded database: DATABASE_URL is required", async () => {
    const key = Buffer.alloc(32, 7).toString("base64")
    const started = start({ STARFORM_HOME: home, ENCRYPTION_KEY: key })
    expect(await started.exited).toBe(1)
    expect(started.output()).toMatch(/cannot start: DATABASE_URL is not set/)
    expect(existsSync(join(home, "postgres"))).toBe(false)
  })

  it("does not fall back to .eml files: SMTP_URL is required, checked before the database is touched", async () => {
    const started = start({
      STARFORM_HOME: home,
      ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64"),
      // never reached: the check comes before the database is touched
      DATABASE_URL: "postgres://starform@127.0.0.1:1/starform",
      JWT_SIGNING_KEY: "a key is present; its shape is checked when identity starts",
    })
    expect(await started.exited).toBe(1)
    expect(started.output()).toMatch(/cannot start: SMTP_URL is not set/)
    expect(started.output()).toContain("smtp://user:password@smtp.example.com:587")
    expect(existsSync(join(home, "mail"))).toBe(false)
  })
})
