import { mkdirSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { type Browser, chromium, type Page } from "playwright-core"

/**
 * Debian's Chromium driven by playwright-core. Every page records what would make a person distrust the app —
 * console errors, uncaught exceptions, requests that failed or answered 4xx/5xx — so a test can assert there were
 * none; screenshots go to `services/dashboard/test-artifacts/` (git-ignored), one per step.
 */

export const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium"
export const artifacts = fileURLToPath(new URL("../../test-artifacts", import.meta.url))

export const launch = (): Promise<Browser> =>
  chromium.launch({
    executablePath,
    // Root (CI, these machines) cannot use Chromium's sandbox.
    args: ["--no-sandbox", "--disable-dev-shm-usage"],
  })

export interface Watched {
  readonly page: Page
  /** Console errors, page errors and failed requests seen so far, as lines. */
  readonly problems: Array<string>
  readonly screenshot: (name: string) => Promise<void>
}

export const watch = (page: Page, folder: string): Watched => {
  const problems: Array<string> = []
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console error: ${message.text()}`)
  })
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`))
  page.on("requestfailed", (request) => {
    const reason = request.failure()?.errorText ?? "?"
    // An abort is the page itself cancelling a request it no longer needs (it navigated, a query unmounted).
    if (reason !== "net::ERR_ABORTED") problems.push(`request failed: ${request.method()} ${request.url()} (${reason})`)
  })
  page.on("response", (response) => {
    if (response.status() >= 400)
      problems.push(`HTTP ${response.status()}: ${response.request().method()} ${response.url()}`)
  })
  const directory = join(artifacts, folder)
  mkdirSync(directory, { recursive: true })
  let step = 0
  const screenshot = async (name: string) => {
    step += 1
    await page.screenshot({ path: join(directory, `${String(step).padStart(2, "0")}-${name}.png`), fullPage: true })
  }
  return { page, problems, screenshot }
}

/** Runs a walk; when it fails, saves a screenshot of where it stopped and adds what the page saw to the error. */
export const explainFailure = async (watched: Watched, walk: () => Promise<void>) => {
  try {
    await walk()
  } catch (error) {
    await watched.screenshot("failure").catch(() => undefined)
    const seen = watched.problems.length === 0 ? "" : `\nthe page saw:\n${watched.problems.join("\n")}`
    throw new Error(`${error instanceof Error ? error.message : String(error)}\nat ${watched.page.url()}${seen}`)
  }
}
