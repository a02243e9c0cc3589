import { describe, expect, it } from "vitest"
import { isValidSchedule, nextRun } from "../src/Schedule.ts"

const at = (iso: string) => Date.parse(iso)
const next = (schedule: string, after: string) => {
  const ms = nextRun(schedule, at(after))
  return ms === undefined ? undefined : new Date(ms).toISOString()
}

describe("cron schedules (UTC)", () => {
  it("steps, ranges, lists and names", () => {
    expect(next("*/15 * * * *", "2026-03-01T10:07:00Z")).toBe("2026-03-01T10:15:00.000Z")
    expect(next("0 9-17/4 * * *", "2026-03-01T10:00:00Z")).toBe("2026-03-01T13:00:00.000Z")
    expect(next("30 2 * * mon,fri", "2026-03-01T00:00:00Z")).toBe("2026-03-02T02:30:00.000Z")
    expect(next("0 0 1 jan *", "2026-03-01T00:00:00Z")).toBe("2027-01-01T00:00:00.000Z")
  })

  it("with both day-of-month and day-of-week restricted, either one matching is enough", () => {
    // 2026-03-01 is a Sunday: the 13th is a Friday, but the first Monday (the 2nd) comes sooner.
    expect(next("0 0 13 * 1", "2026-03-01T00:00:00Z")).toBe("2026-03-02T00:00:00.000Z")
    expect(next("0 0 13 * *", "2026-03-01T00:00:00Z")).toBe("2026-03-13T00:00:00.000Z")
  })

  it("macros and @every", () => {
    expect(next("@hourly", "2026-03-01T10:07:00Z")).toBe("2026-03-01T11:00:00.000Z")
    expect(next("@weekly", "2026-03-03T00:00:00Z")).toBe("2026-03-08T00:00:00.000Z")
    expect(next("@every 90s", "2026-03-01T10:00:00Z")).toBe("2026-03-01T10:01:30.000Z")
  })

  it("refuses what CronJob refuses", () => {
    for (const bad of ["61 * * * *", "* * * *", "0 0 32 * *", "TZ=UTC 0 * * * *", "*/0 * * * *", "nonsense"])
      expect(isValidSchedule(bad), bad).toBe(false)
    expect(isValidSchedule("0 0 29 2 *")).toBe(true)
  })
})
