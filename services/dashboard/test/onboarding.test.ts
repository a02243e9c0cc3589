import { PgClient } from "@effect/sql-pg"
import { IdentityAuthApi, ProjectsApi, PublicApi, WorkspacesApi } from "@starform/domain"
import { Effect, Redacted, Schema } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "effect/http"
import { HttpApiClient } from "effect/http-api"
import type { Browser, BrowserContext, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Browsers from "./support/Browser.ts"
import * as Starbase from "./support/Starbase.ts"

/**
 * The onboarding walk, in the browser only, against a whole Starbase (kube-sim cluster): sign up → verify the
 * email → workspace → project → service from an image → deploy → active → add a variable → redeploy → roll back
 * to the first deployment with one click → the first release serves again. Each step leaves a screenshot in
 * `test-artifacts/onboarding/`; any console error or failed request fails the walk.
 */

let starbase: Starbase.RunningStarbase
let browser: Browser
let context: BrowserContext

beforeAll(async () => {
  ;[starbase, browser] = await Promise.all([Starbase.start(), Browsers.launch()])
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
}, 180_000)

afterAll(async () => {
  await browser?.close()
  await starbase?.stop()
})

const email = `ada+${Date.now()}@example.com`

/**
 * EMAIL VERIFICATION STEP. Opens the link of the verification email the sign-up sent. It reads the link from the
 * identity service's outbox through the test's own database access, as a person would from their inbox. When mail
 * moves elsewhere (e.g. `.eml` files under STARFORM_HOME/mail), only this function changes.
 */
const verifyEmail = async (page: Page, address: string) => {
  const body = await Effect.runPromise(
    Effect.gen(function* () {
      const sql = yield* PgClient.PgClient
      const rows = yield* sql<{ body: string }>`
        SELECT body FROM email_outbox WHERE to_address = ${address} AND template = 'verify_email'
        ORDER BY created_at DESC LIMIT 1`
      return rows[0]?.body ?? ""
    }).pipe(Effect.provide(PgClient.layer({ url: Redacted.make(starbase.databaseUrl), maxConnections: 1 }))),
  )
  const link = body.match(/\S+\/verify-email\?token=\S+/)?.[0]
  expect(link, "the verification email has a link").toBeDefined()
  const { pathname, search } = new URL(link ?? "")
  await page.goto(`${starbase.url}${pathname}${search}`)
  await page.getByText("Your email address is verified.").waitFor()
}

/** Waits until deployment `number`'s row shows `status` (the page updates itself: no reload). */
const waitForStatus = (page: Page, number: number, status: string, timeout = 60_000) =>
  page.locator(`tr[data-number="${number}"][data-status="${status}"]`).waitFor({ timeout })

describe("the dashboard in a browser", () => {
  it("walks a new customer from sign-up to a rollback that serves the first release again", async () => {
    const watched = Browsers.watch(await context.newPage(), "onboarding")
    await Browsers.explainFailure(watched, () => walk(watched))
    expect(watched.problems).toEqual([])
  }, 240_000)
})

const walk = async ({ page, screenshot }: Browsers.Watched) => {
  await page.goto(`${starbase.url}/`)
  await page.getByRole("heading", { name: "Sign in to Starform" }).waitFor()
  await screenshot("sign-in")
  await page.getByRole("link", { name: "Create an account" }).click()
  await page.getByLabel("Name").fill("Ada Lovelace")
  await page.getByLabel("Email").fill(email)
  await page.getByLabel("Password").fill("correct horse battery staple")
  await screenshot("sign-up")
  await page.getByRole("button", { name: "Sign up" }).click()
  await page.getByRole("heading", { name: "New workspace" }).waitFor()

  await verifyEmail(page, email)
  await screenshot("email-verified")
  await page.getByRole("link", { name: "Continue to Starform" }).click()

  await page.getByRole("heading", { name: "New workspace" }).waitFor()
  await page.getByLabel("Workspace name").fill("Acme")
  await screenshot("new-workspace")
  await page.getByRole("button", { name: "Create workspace" }).click()
  await page.getByRole("heading", { name: "Projects" }).waitFor()
  expect(page.url()).toMatch(/\/w\/wsp_[0-9a-z]+$/)

  await page.getByLabel("Project name").fill("shop")
  await screenshot("projects")
  await page.getByRole("button", { name: "Create project" }).click()
  await page.getByRole("heading", { name: "shop" }).waitFor()
  await screenshot("project-canvas-empty")

  await page.getByRole("link", { name: "New service" }).click()
  await page.getByLabel("Name").fill("web")
  await page.getByLabel("Image").fill("nginx:1.27")
  await page.getByLabel("Port").fill("8080")
  await screenshot("new-service")
  await page.getByRole("button", { name: "Create service" }).click()
  await page.getByRole("heading", { name: "web" }).waitFor()

  await page.getByRole("button", { name: "Deploy" }).click()
  await waitForStatus(page, 1, "active")
  await screenshot("first-deploy-active")

  // A deep link survives a reload.
  await page.reload()
  await waitForStatus(page, 1, "active")

  await page.getByRole("link", { name: "Variables" }).click()
  await page.getByLabel("Key").fill("GREETING")
  await page.getByLabel("Value").fill("hello")
  await page.getByRole("button", { name: "Add variable" }).click()
  await page.locator('li[data-key="GREETING"]').waitFor()
  await page.getByRole("button", { name: "Reveal GREETING" }).click()
  await page.locator('li[data-key="GREETING"] .value', { hasText: "hello" }).waitFor()
  await screenshot("variable-added")
  await page.getByRole("button", { name: "Redeploy now" }).click()
  await page.getByRole("status").getByText("These changes need a redeploy").waitFor({ state: "detached" })

  await page.getByRole("link", { name: "Deployments" }).click()
  await waitForStatus(page, 2, "active")
  await waitForStatus(page, 1, "superseded")
  await screenshot("redeploy-active")

  await page.getByRole("button", { name: "Roll back to #1" }).click()
  const confirm = page.getByRole("alertdialog")
  await expect(confirm.textContent()).resolves.toContain("Variables removed: GREETING")
  await screenshot("rollback-confirmation")
  await confirm.getByRole("button", { name: "Roll back to #1" }).click()
  await waitForStatus(page, 3, "active")
  await waitForStatus(page, 2, "superseded")
  const rollbackRow = page.locator('tr[data-number="3"]')
  await expect(rollbackRow.textContent()).resolves.toMatch(/rollback of #1.*nginx:1\.27.*none/)
  await screenshot("rolled-back")

  // The project canvas shows the first release's image serving, active.
  await page.getByRole("link", { name: "Back to the project" }).click()
  const card = page.locator('li[data-service="web"]')
  await card.locator('[data-status="active"]').waitFor()
  await screenshot("canvas-after-rollback")
}

/** An account with a workspace and a project, made over the API (the other tenant of the isolation test). */
const otherTenant = () =>
  Effect.gen(function* () {
    const anonymous = yield* HttpApiClient.make(PublicApi.Api, { baseUrl: starbase.url })
    const signedIn = yield* anonymous.auth.signup({
      payload: yield* Schema.decodeUnknownEffect(IdentityAuthApi.SignupRequest)({
        email: `eve+${Date.now()}@example.com`,
        password: "another long password",
      }),
    })
    const eve = yield* HttpApiClient.make(PublicApi.Api, {
      baseUrl: starbase.url,
      transformClient: HttpClient.mapRequest(HttpClientRequest.bearerToken(signedIn.tokens.accessToken)),
    })
    const workspace = yield* eve.workspaces.createWorkspace({
      payload: yield* Schema.decodeUnknownEffect(WorkspacesApi.CreateWorkspaceRequest)({ name: "Eve's secrets" }),
    })
    const project = yield* eve.projects.createProject({
      params: { workspaceId: workspace.id },
      payload: yield* Schema.decodeUnknownEffect(ProjectsApi.CreateProjectRequest)({ name: "secret-project" }),
    })
    return { workspaceId: workspace.id, projectId: project.id }
  }).pipe(Effect.provide(FetchHttpClient.layer), Effect.runPromise)

const signUpInBrowser = async (page: Page, address: string) => {
  await page.goto(`${starbase.url}/signup`)
  await page.getByLabel("Email").fill(address)
  await page.getByLabel("Password").fill("correct horse battery staple")
  await page.getByRole("button", { name: "Sign up" }).click()
  await page.getByRole("heading", { name: "New workspace" }).waitFor()
}

describe("tenancy and reach", () => {
  it("shows “not found” for another workspace's and project's URLs, never their data", async () => {
    const eve = await otherTenant()
    const watched = Browsers.watch(await (await browser.newContext()).newPage(), "tenancy")
    await Browsers.explainFailure(watched, async () => {
      const { page, screenshot } = watched
      await signUpInBrowser(page, `mallory+${Date.now()}@example.com`)
      for (const path of [`/w/${eve.workspaceId}`, `/p/${eve.projectId}`]) {
        await page.goto(`${starbase.url}${path}`)
        await page.getByRole("heading", { name: "Not found" }).waitFor()
        expect(await page.content()).not.toContain("secret-project")
        expect(await page.content()).not.toContain("Eve's secrets")
        await screenshot(path.split("/")[1] === "w" ? "other-workspace" : "other-project")
      }
    })
    // The API's 404s (and Chromium's console line for each) are the whole story: nothing else went wrong.
    const unexpected = watched.problems.filter(
      (line) => !/^HTTP 404: GET .*\/v1\//.test(line) && !/status of 404/.test(line),
    )
    expect(unexpected).toEqual([])
    expect(watched.problems.some((line) => line.startsWith("HTTP 404"))).toBe(true)
  }, 120_000)

  it("works at phone width and from the keyboard, with the refused field's message under it", async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true })
    const watched = Browsers.watch(await context.newPage(), "phone")
    await Browsers.explainFailure(watched, async () => {
      const { page, screenshot } = watched
      await page.goto(`${starbase.url}/signup`)
      await page.getByLabel("Name").focus()
      await page.keyboard.type("Grace")
      await page.keyboard.press("Tab")
      await page.keyboard.type("not-an-email")
      await page.keyboard.press("Tab")
      await page.keyboard.type("short")
      await page.keyboard.press("Enter")
      const emailError = page.locator(".field", { has: page.getByLabel("Email") }).getByRole("alert")
      await emailError.waitFor()
      expect(await emailError.textContent()).toMatch(/email/i)
      const passwordError = page.locator(".field", { has: page.getByLabel("Password") }).getByRole("alert")
      await passwordError.waitFor()
      await screenshot("signup-refused")
      const overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
      expect(overflow).toBe(0)
    })
    expect(watched.problems).toEqual([])
  }, 60_000)
})
