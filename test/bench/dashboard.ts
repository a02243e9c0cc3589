/**
 * `npm run bench:dashboard`: the dashboard as a customer meets it, in Debian's Chromium against a whole Starbase
 * (fresh database on the machine's PostgreSQL, kube-sim cluster), as the browser tests start one.
 *
 * Prints `key=value` lines:
 * - `bundle_kb_gzip`: all JavaScript the first page loads (every script `index.html` names), gzipped at level 9.
 * - `onboarding_s`: the whole onboarding walk of the browser test (sign-up to a rollback serving the first release).
 * - `first_load_ms`: a cold load of the project canvas (new browser context: empty cache) until its service card
 *   shows its status; the median of 5 (`first_load_max_ms` the slowest).
 * - `status_to_screen_p99_ms`: from a deployment's status changing on the server (seen by reading the deployments
 *   table every 10 ms from here: asking the API that often would spend the request budget) until the open service
 *   page shows it (a MutationObserver in the page), over 5 redeploys;
 *   `status_to_screen_p50_ms` and `status_samples` beside it.
 */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { gzipSync } from "node:zlib"
import { PgClient } from "@effect/sql-pg"
import { Assets } from "@starform/dashboard"
import { Ids, PublicApi } from "@starform/domain"
import { Effect, Redacted, Schema } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "effect/http"
import { HttpApiClient } from "effect/http-api"
import * as Browsers from "../../services/dashboard/test/support/Browser.ts"
import * as Starbase from "../../services/dashboard/test/support/Starbase.ts"
import * as Walk from "../../services/dashboard/test/support/Walk.ts"

const redeploys = 5
const loads = 5

const quantile = (values: ReadonlyArray<number>, q: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN
}

const bundleKbGzip = async () => {
  const { directory } = await Assets.ensureBuilt()
  const html = readFileSync(join(directory, "index.html"), "utf8")
  const scripts = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1] ?? "")
  const bytes = scripts.reduce(
    (sum, path) => sum + gzipSync(readFileSync(join(directory, path)), { level: 9 }).length,
    0,
  )
  return bytes / 1024
}

const Stored = Schema.fromJsonString(Schema.Struct({ accessToken: Schema.String }))

const main = async () => {
  const bundle = await bundleKbGzip()
  const [starbase, browser] = await Promise.all([Starbase.start(), Browsers.launch()])
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const watched = Browsers.watch(await context.newPage(), "bench-onboarding")
    const walkStarted = performance.now()
    const { canvasUrl, serviceUrl } = await Walk.walk(starbase, watched)
    const onboardingS = (performance.now() - walkStarted) / 1000
    const storageState = await context.storageState()

    const loadTimes: Array<number> = []
    for (let i = 0; i < loads; i++) {
      const cold = await browser.newContext({ storageState })
      const coldPage = Browsers.watch(await cold.newPage(), "bench-first-load")
      const page = coldPage.page
      const started = performance.now()
      await Browsers.explainFailure(coldPage, async () => {
        await page.goto(canvasUrl)
        await page.locator('li[data-service="web"] [data-status]').waitFor()
      })
      loadTimes.push(performance.now() - started)
      await cold.close()
    }

    const page = watched.page
    await page.goto(serviceUrl)
    await page.locator("tr[data-status]").first().waitFor()
    await page.evaluate(`(() => {
      window.__seen = []
      const record = () => {
        for (const row of document.querySelectorAll("tr[data-number]")) {
          const key = row.dataset.number + ":" + row.dataset.status
          if (!window.__seen.some((s) => s.key === key)) window.__seen.push({ key, at: Date.now() })
        }
      }
      record()
      new MutationObserver(record).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-status"] })
    })()`)
    const session = await page.evaluate("localStorage.getItem('starform.session')")
    const { accessToken } = Schema.decodeUnknownSync(Stored)(session)
    const serviceId = Schema.decodeUnknownSync(Ids.ServiceId)(new URL(serviceUrl).pathname.split("/")[2])

    const serverSeen = new Map<string, number>()
    await Effect.gen(function* () {
      const sql = yield* PgClient.PgClient
      const client = yield* HttpApiClient.make(PublicApi.Api, {
        baseUrl: starbase.url,
        transformClient: HttpClient.mapRequest(HttpClientRequest.bearerToken(accessToken)),
      })
      const rows = sql<{ id: string; number: number; status: string }>`
        SELECT id, number, status FROM deployments WHERE service_id = ${serviceId} ORDER BY number DESC LIMIT 2`
      for (let i = 0; i < redeploys; i++) {
        const [latest] = yield* rows
        if (latest === undefined) throw new Error("the walk left no deployment")
        yield* client.deployments.redeployDeployment({
          params: { deploymentId: Schema.decodeUnknownSync(Ids.DeploymentId)(latest.id) },
        })
        for (;;) {
          const now = Date.now()
          const current = yield* rows
          for (const row of current) {
            const key = `${row.number}:${row.status}`
            if (!serverSeen.has(key)) serverSeen.set(key, now)
          }
          if (current.length === 2 && current.every((r) => !["queued", "building", "deploying"].includes(r.status))) {
            if (current[0]?.number === latest.number + 1) break
          }
          yield* Effect.sleep("10 millis")
        }
        // Let the page catch up on the last change before the next redeploy starts.
        yield* Effect.sleep("1500 millis")
      }
    }).pipe(
      Effect.provide(FetchHttpClient.layer),
      Effect.provide(PgClient.layer({ url: Redacted.make(starbase.databaseUrl), maxConnections: 1 })),
      Effect.runPromise,
    )

    const pageSeen = new Map(
      ((await page.evaluate("window.__seen")) as ReadonlyArray<{ key: string; at: number }>).map((s) => [s.key, s.at]),
    )
    const latencies = [...serverSeen].flatMap(([key, at]) => {
      const shown = pageSeen.get(key)
      return shown === undefined || shown < at - 5_000 ? [] : [Math.max(0, shown - at)]
    })

    console.log(`bundle_kb_gzip=${bundle.toFixed(1)}`)
    console.log(`first_load_ms=${quantile(loadTimes, 0.5).toFixed(0)}`)
    console.log(`first_load_max_ms=${Math.max(...loadTimes).toFixed(0)}`)
    console.log(`status_to_screen_p99_ms=${quantile(latencies, 0.99).toFixed(0)}`)
    console.log(`status_to_screen_p50_ms=${quantile(latencies, 0.5).toFixed(0)}`)
    console.log(`status_samples=${latencies.length}`)
    console.log(`onboarding_s=${onboardingS.toFixed(1)}`)
    // The walk's one intended refusal (a reference to a missing service) is not a problem.
    const problems = watched.problems.filter((line) => !/^HTTP 400: PATCH .*\/variables$|status of 400/.test(line))
    if (problems.length > 0) console.log(`page_problems=${JSON.stringify(problems)}`)
  } finally {
    await browser.close()
    await starbase.stop()
  }
}

await main()
