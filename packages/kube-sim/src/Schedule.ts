/** Standard five-field cron schedules (as CronJob accepts them), evaluated in UTC. */
interface Parsed {
  minutes: Set<number>
  hours: Set<number>
  days: Set<number>
  months: Set<number>
  weekdays: Set<number>
  daysStar: boolean
  weekdaysStar: boolean
  every?: number
}

const macros: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
}

const monthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
const dayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]

const parseField = (text: string, min: number, max: number, names?: string[]): Set<number> | undefined => {
  const out = new Set<number>()
  const value = (s: string): number | undefined => {
    const lower = s.toLowerCase()
    if (names) {
      const index = names.indexOf(lower)
      if (index >= 0) return index + (min === 1 ? 1 : 0)
    }
    return /^\d+$/.test(s) ? Number(s) : undefined
  }
  for (const part of text.split(",")) {
    const [range, stepText] = part.split("/")
    if (range === undefined) return undefined
    const step = stepText === undefined ? 1 : Number(stepText)
    if (!Number.isInteger(step) || step < 1) return undefined
    let lo: number | undefined
    let hi: number | undefined
    if (range === "*" || range === "?") {
      lo = min
      hi = max
    } else if (range.includes("-")) {
      const [a, b] = range.split("-")
      lo = value(a ?? "")
      hi = value(b ?? "")
    } else {
      lo = value(range)
      hi = stepText === undefined ? lo : max
    }
    if (lo === undefined || hi === undefined || lo < min || hi > max || lo > hi) return undefined
    for (let v = lo; v <= hi; v += step) out.add(v)
  }
  return out
}

export const parseSchedule = (schedule: string): Parsed | undefined => {
  const text = schedule.trim()
  if (text.startsWith("TZ=") || text.startsWith("CRON_TZ=")) return undefined
  const every = /^@every\s+(\d+)(s|m|h)$/.exec(text)
  if (every) {
    const unit = every[2] === "s" ? 1000 : every[2] === "m" ? 60_000 : 3_600_000
    const ms = Number(every[1]) * unit
    if (ms <= 0) return undefined
    const all = new Set<number>()
    return {
      minutes: all,
      hours: all,
      days: all,
      months: all,
      weekdays: all,
      daysStar: true,
      weekdaysStar: true,
      every: ms,
    }
  }
  const fields = (macros[text] ?? text).split(/\s+/)
  if (fields.length !== 5) return undefined
  const minutes = parseField(fields[0]!, 0, 59)
  const hours = parseField(fields[1]!, 0, 23)
  const days = parseField(fields[2]!, 1, 31)
  const months = parseField(fields[3]!, 1, 12, monthNames)
  const weekdays = parseField(fields[4]!.replace(/\b7\b/g, "0"), 0, 6, dayNames)
  if (!minutes || !hours || !days || !months || !weekdays) return undefined
  return {
    minutes,
    hours,
    days,
    months,
    weekdays,
    daysStar: fields[2] === "*" || fields[2] === "?",
    weekdaysStar: fields[4] === "*" || fields[4] === "?",
  }
}

export const isValidSchedule = (schedule: string): boolean => parseSchedule(schedule) !== undefined

const dayMatches = (p: Parsed, date: Date): boolean => {
  const dom = p.days.has(date.getUTCDate())
  const dow = p.weekdays.has(date.getUTCDay())
  if (p.daysStar || p.weekdaysStar) return dom && dow
  return dom || dow
}

/** The first scheduled time strictly after `after` (ms since the epoch), or undefined if none within 5 years. */
export const nextRun = (schedule: string, after: number): number | undefined => {
  const p = parseSchedule(schedule)
  if (!p) return undefined
  if (p.every !== undefined) return after + p.every
  const date = new Date(Math.floor(after / 60_000) * 60_000 + 60_000)
  const limit = after + 5 * 366 * 24 * 3_600_000
  while (date.getTime() <= limit) {
    if (!p.months.has(date.getUTCMonth() + 1)) {
      date.setUTCMonth(date.getUTCMonth() + 1, 1)
      date.setUTCHours(0, 0, 0, 0)
      continue
    }
    if (!dayMatches(p, date)) {
      date.setUTCDate(date.getUTCDate() + 1)
      date.setUTCHours(0, 0, 0, 0)
      continue
    }
    if (!p.hours.has(date.getUTCHours())) {
      date.setUTCHours(date.getUTCHours() + 1, 0, 0, 0)
      continue
    }
    if (!p.minutes.has(date.getUTCMinutes())) {
      date.setUTCMinutes(date.getUTCMinutes() + 1, 0, 0)
      continue
    }
    return date.getTime()
  }
  return undefined
}
