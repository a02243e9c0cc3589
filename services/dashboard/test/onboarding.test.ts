import AxeBuilder from "@axe-core/playwright"
import { IdentityAuthApi, ProjectsApi, PublicApi, WorkspacesApi } from "@starform/domain"
import { Effect, Schema } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "effect/http"
import { HttpApiClient } from "effect/http-api"
import type { Browser, BrowserContext, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Browsers from "./support/Browser.ts"
import * as Starbase from "./support/Starbase.ts"
import * as Walk from "./support/Walk.ts"

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

describe("the dashboard in a browser", () => {
  it("walks a new customer from sign-up to a rollback that serves the first release again", async () => {
    const watched = Browsers.watch(await context.newPage(), "onboarding")
    await Browsers.explainFailure(watched, async () => {
      await Walk.walk(starbase, watched)
    })
    // The one refusal the walk asks for (a reference to a service that does not exist) and Chromium's line for it.
    const expected = [/^HTTP 400: PATCH .*\/v1\/services\/svc_\w+\/variables$/, /status of 400/]
    expect(watched.problems.filter((line) => !expected.some((pattern) => pattern.test(line)))).toEqual([])
    expect(watched.problems).toHaveLength(2)
  }, 420_000)
})

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

  it("has no serious or critical accessibility violations on the main pages; signs out and back in", async () => {
    const watched = Browsers.watch(await (await browser.newContext()).newPage(), "accessibility")
    const findings: Array<string> = []
    const audit = async (name: string) => {
      const { violations } = await new AxeBuilder({ page: watched.page }).analyze()
      for (const violation of violations) {
        if (violation.impact === "serious" || violation.impact === "critical") {
          findings.push(
            `${name}: ${violation.id} (${violation.impact}) ${violation.nodes.map((n) => n.target.join(" ")).join(", ")}`,
          )
        }
      }
      await watched.screenshot(name)
    }
    await Browsers.explainFailure(watched, async () => {
      const { page } = watched
      await page.goto(`${starbase.url}/signin`)
      await page.getByRole("heading", { name: "Sign in to Starform" }).waitFor()
      await audit("sign-in")
      const address = `grace+${Date.now()}@example.com`
      await signUpInBrowser(page, address)
      await audit("new-workspace")
      await page.getByLabel("Workspace name").fill("Hopper")
      await page.getByRole("button", { name: "Create workspace" }).click()
      await page.getByRole("heading", { name: "Projects" }).waitFor()
      await audit("projects")
      await page.getByLabel("Project name").fill("compiler")
      await page.getByRole("button", { name: "Create project" }).click()
      await page.getByRole("heading", { name: "compiler" }).waitFor()
      await audit("project-canvas")
      await page.getByRole("link", { name: "New service" }).click()
      await page.getByRole("heading", { name: "New service" }).waitFor()
      await audit("new-service")
      await page.getByLabel("Name").fill("api")
      await page.getByLabel("Image").fill("nginx:1.27")
      await page.getByRole("button", { name: "Create service" }).click()
      await page.getByRole("heading", { name: "api" }).waitFor()
      await page.getByText("Not deployed yet.").waitFor()
      await audit("service")
      await page.getByRole("link", { name: "Variables" }).click()
      await page.getByRole("heading", { name: "Add a variable" }).waitFor()
      await audit("variables")
      const variablesUrl = page.url()

      // Signing out ends the session; signing in again goes back to the page that asked for it.
      await page.getByRole("button", { name: "Sign out" }).click()
      await page.getByRole("heading", { name: "Sign in to Starform" }).waitFor()
      await page.goto(variablesUrl)
      await page.getByRole("heading", { name: "Sign in to Starform" }).waitFor()
      await page.getByLabel("Email").fill(address)
      await page.getByLabel("Password").fill("wrong password, surely")
      await page.getByRole("button", { name: "Sign in" }).click()
      await page
        .getByRole("alert")
        .filter({ hasText: /password/i })
        .waitFor()
      await page.getByLabel("Password").fill("correct horse battery staple")
      await page.getByRole("button", { name: "Sign in" }).click()
      await page.getByRole("heading", { name: "Add a variable" }).waitFor()
      expect(page.url()).toBe(variablesUrl)
    })
    expect(findings).toEqual([])
    // The wrong password's 401 (and Chromium's console line for it) is the only thing that went wrong.
    expect(watched.problems.filter((line) => !/401/.test(line))).toEqual([])
  }, 120_000)
})
