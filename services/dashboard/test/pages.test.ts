import { readFileSync } from "node:fs"
import AxeBuilder from "@axe-core/playwright"
import { ProjectsApi, ServicesApi, VariablesApi, WorkspacesAccessApi, WorkspacesApi } from "@starform/domain"
import { Effect, Result, Schema } from "effect"
import type { Browser, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Api from "./support/Api.ts"
import * as Browsers from "./support/Browser.ts"
import { mailedLink } from "./support/Mail.ts"
import * as Starbase from "./support/Starbase.ts"

/**
 * The pages past onboarding, each in Chromium against a whole Starbase: device approval (`/device`), password
 * reset and invitation acceptance from the mailed links, workspace settings (members, invitations, API tokens),
 * the audit log, a viewer's read-only view, and the account page (sessions, data export). Every test fails on a
 * console error or a failed request.
 */

let starbase: Starbase.RunningStarbase
let browser: Browser

beforeAll(async () => {
  ;[starbase, browser] = await Promise.all([Starbase.start(), Browsers.launch()])
}, 180_000)

afterAll(async () => {
  await browser?.close()
  await starbase?.stop()
})

const unique = (name: string) => `${name}+${Date.now()}${Math.floor(Math.random() * 1000)}@example.com`

const signInOnPage = async (page: Page, email: string, password = Api.password) => {
  await page.getByRole("heading", { name: "Sign in to Starform" }).waitFor()
  await page.getByLabel("Email").fill(email)
  await page.getByLabel("Password").fill(password)
  await page.getByRole("button", { name: "Sign in" }).click()
}

/** No serious or critical accessibility violation on the page as it is now (axe). */
const accessible = async (page: Page, name: string) => {
  const { violations } = await new AxeBuilder({ page }).analyze()
  const found = violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${name}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)
  expect(found).toEqual([])
}

/** Runs `steps` in a fresh browser context; fails on anything the page saw go wrong. */
const inBrowser = async (folder: string, steps: (watched: Browsers.Watched) => Promise<void>) => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true })
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: starbase.url })
  const watched = Browsers.watch(await context.newPage(), folder)
  try {
    await Browsers.explainFailure(watched, () => steps(watched))
    expect(watched.problems).toEqual([])
  } finally {
    await context.close()
  }
}

describe("device approval", () => {
  it("signs a signed-out visitor in, shows what asks, and the approval reaches the device; a denial too", async () => {
    const email = unique("dev")
    await Api.signUp(starbase.url, email)
    const start = (name: string) =>
      Api.call(starbase.url, undefined, (client) => client.device.deviceCode({ payload: { client_name: name } }))
    const approved = await start("starform CLI on laptop")
    const denied = await start("starform CLI on a stranger's box")
    expect(approved.verification_uri_complete).toContain(`/device?user_code=`)

    await inBrowser("device", async ({ page, screenshot }) => {
      const { pathname, search } = new URL(approved.verification_uri_complete)
      await page.goto(`${starbase.url}${pathname}${search}`)
      await signInOnPage(page, email)
      await page.getByRole("heading", { name: "starform CLI on laptop asks to sign in as you" }).waitFor()
      expect(await page.locator(".facts").textContent()).toContain(approved.user_code)
      await screenshot("asking")
      await accessible(page, "device")
      await page.getByRole("button", { name: "Approve" }).click()
      await page.getByRole("status").getByText("Approved: starform CLI on laptop is signed in as you").waitFor()
      await screenshot("approved")

      // Typed by hand, lower case and without the dash, then refused.
      await page.goto(`${starbase.url}/device`)
      await page.getByLabel("Device code").fill(denied.user_code.toLowerCase().replace("-", ""))
      await page.getByRole("button", { name: "Continue" }).click()
      await page.getByRole("button", { name: "Deny" }).click()
      await page.getByRole("status").getByText("Refused").waitFor()
    })

    const poll = (deviceCode: string) =>
      Api.attempt(starbase.url, undefined, (client) =>
        client.device.deviceToken({ payload: { device_code: deviceCode } }),
      )
    const session = await poll(approved.device_code)
    expect(Result.isSuccess(session)).toBe(true)
    const refused = await poll(denied.device_code)
    expect(Result.isFailure(refused) && refused.failure._tag === "DeviceTokenError" && refused.failure.error).toBe(
      "access_denied",
    )
  }, 90_000)
})

describe("mailed links", () => {
  it("resets a forgotten password from the emailed link, refusing a short one next to its field", async () => {
    const email = unique("forgetful")
    await Api.signUp(starbase.url, email)
    await inBrowser("reset-password", async ({ page, screenshot }) => {
      await page.goto(`${starbase.url}/signin`)
      await page.getByRole("link", { name: "Forgot your password?" }).click()
      await page.getByLabel("Email").fill(email)
      await page.getByRole("button", { name: "Email me a reset link" }).click()
      await page.getByRole("status").getByText("a reset link is on its way").waitFor()
      await screenshot("requested")

      await page.goto(`${starbase.url}${await mailedLink(starbase, email, "reset_password", "/reset-password")}`)
      await page.getByLabel("New password").fill("short")
      await page.getByRole("button", { name: "Set new password" }).click()
      await page
        .locator(".field", { has: page.getByLabel("New password") })
        .getByRole("alert")
        .waitFor()
      await screenshot("refused")
      await accessible(page, "reset-password")
      await page.getByLabel("New password").fill("a brand new long password")
      await page.getByRole("button", { name: "Set new password" }).click()
      await page.getByRole("status").getByText("Your password is changed").waitFor()

      await page.getByRole("link", { name: "Sign in" }).click()
      await signInOnPage(page, email, "a brand new long password")
      await page.getByRole("heading", { name: "New workspace" }).waitFor()
    })
  }, 60_000)
})

/** An owner with a workspace, a project and a service in it, made over the API. */
const ownerWithWorkspace = async () => {
  const email = unique("owner")
  const token = await Api.signUp(starbase.url, email, "Olive Owner")
  const made = await Api.call(starbase.url, token, (client) =>
    Effect.gen(function* () {
      const workspace = yield* client.workspaces.createWorkspace({
        payload: yield* Schema.decodeUnknownEffect(WorkspacesApi.CreateWorkspaceRequest)({ name: "Orchard" }),
      })
      const project = yield* client.projects.createProject({
        params: { workspaceId: workspace.id },
        payload: yield* Schema.decodeUnknownEffect(ProjectsApi.CreateProjectRequest)({ name: "cider" }),
      })
      const [environment] = yield* client.projects.listEnvironments({ params: { projectId: project.id } })
      if (environment === undefined) return yield* Effect.die(new Error("a new project has no environment"))
      const service = yield* client.services.createService({
        params: { environmentId: environment.id },
        payload: yield* Schema.decodeUnknownEffect(ServicesApi.CreateServiceRequest)({
          name: "press",
          type: "worker",
          source: { type: "image", imageRef: "nginx:1.27" },
        }),
      })
      yield* client.variables.setServiceVariables({
        params: { serviceId: service.id },
        payload: yield* Schema.decodeUnknownEffect(VariablesApi.SetVariablesRequest)({
          variables: { GREETING: "hello" },
        }),
      })
      return { workspaceId: workspace.id, projectId: project.id, serviceId: service.id }
    }),
  )
  return { email, token, ...made }
}

describe("workspace settings", () => {
  it("invites, creates a token shown once and revokes it, pages the audit log; a viewer sees nothing to change", async () => {
    const owner = await ownerWithWorkspace()
    const viewerEmail = unique("viewer")
    await Api.signUp(starbase.url, viewerEmail, "Vera Viewer")
    const settings = `${starbase.url}/w/${owner.workspaceId}/settings`
    let secret = ""

    await inBrowser("settings-owner", async ({ page, screenshot }) => {
      await page.goto(settings)
      await signInOnPage(page, owner.email)
      await page.getByRole("heading", { name: "Orchard settings" }).waitFor()
      await page.locator(`tr[data-email="${owner.email}"]`).waitFor()

      // A malformed address is refused next to its field.
      await page.getByLabel("Email to invite").fill("not-an-address")
      await page.getByRole("button", { name: "Send invitation" }).click()
      await page
        .locator(".field", { has: page.getByLabel("Email to invite") })
        .getByRole("alert")
        .waitFor()
      await page.getByLabel("Email to invite").fill(viewerEmail)
      await page.getByLabel("Role", { exact: true }).selectOption("viewer")
      await page.getByRole("button", { name: "Send invitation" }).click()
      await page.locator(`li[data-invited="${viewerEmail}"]`).waitFor()
      await screenshot("invited")

      await page.getByLabel("Token name").fill("ci")
      await page.getByRole("button", { name: "Create token" }).click()
      const shown = page.locator("[data-secret]")
      await shown.waitFor()
      secret = (await shown.textContent()) ?? ""
      await page.getByRole("button", { name: "Copy secret" }).click()
      await page.getByRole("button", { name: "Copied" }).waitFor()
      expect(await page.evaluate("navigator.clipboard.readText()")).toBe(secret)
      await page.locator('tr[data-token="ci"]').waitFor()
      await screenshot("token-created")
      await accessible(page, "settings")
      // Shown once: a reload lists the token, never its secret.
      await page.reload()
      await page.locator('tr[data-token="ci"]').waitFor()
      expect(await page.content()).not.toContain(secret)
    })

    // The secret works until it is revoked.
    const listWith = (token: string) =>
      Api.attempt(starbase.url, token, (client) =>
        client.projects.listProjects({ params: { workspaceId: owner.workspaceId } }),
      )
    expect(Result.isSuccess(await listWith(secret))).toBe(true)
    // Enough entries for three pages of five.
    for (const n of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]) {
      await Api.call(starbase.url, owner.token, (client) =>
        Effect.gen(function* () {
          const payload = yield* Schema.decodeUnknownEffect(WorkspacesAccessApi.CreateTokenRequest)({
            name: `bulk-${n}`,
            scopes: ["read_only"],
          })
          return yield* client.access.createToken({ params: { workspaceId: owner.workspaceId }, payload })
        }),
      )
    }

    await inBrowser("settings-owner-2", async ({ page, screenshot }) => {
      await page.goto(settings)
      await signInOnPage(page, owner.email)
      await page.getByRole("button", { name: "Revoke ci" }).click()
      // A revoked token leaves the list.
      await page.locator('tr[data-token="ci"]').waitFor({ state: "detached" })
      await page.locator('tr[data-token="bulk-1"]').waitFor()

      await page.getByRole("link", { name: "Audit log" }).click()
      await page.getByRole("heading", { name: "Audit log" }).waitFor()
      await page.goto(`${page.url()}?limit=5`)
      await page.getByLabel("Action").fill("Not An Action")
      await page.getByRole("button", { name: "Filter" }).click()
      await page
        .locator(".field", { has: page.getByLabel("Action") })
        .getByRole("alert")
        .waitFor()
      await page.getByLabel("Action").fill("token.create")
      await page.getByRole("button", { name: "Filter" }).click()
      const rows = page.locator("tr[data-action]")
      await page.locator("[data-page='1']").waitFor()
      await expect.poll(() => rows.count()).toBe(5)
      expect(await page.locator("tr[data-action='token.create']").count()).toBe(5)
      await screenshot("audit-page-1")
      await accessible(page, "audit-log")
      const first = await rows.first().textContent()
      await page.getByRole("button", { name: "Older" }).click()
      await page.locator("[data-page='2']").waitFor()
      await page.getByRole("button", { name: "Older" }).click()
      await page.locator("[data-page='3']").waitFor()
      // 12 token.create entries: 5 + 5 + 2, and no page after the last.
      await expect.poll(() => rows.count()).toBe(2)
      expect(await page.getByRole("button", { name: "Older" }).isDisabled()).toBe(true)
      await page.getByRole("button", { name: "Newer" }).click()
      await page.getByRole("button", { name: "Newer" }).click()
      await page.locator("[data-page='1']").waitFor()
      expect(await rows.first().textContent()).toBe(first)
    })
    expect(Result.isFailure(await listWith(secret))).toBe(true)

    await inBrowser("viewer", async ({ page, screenshot }) => {
      await page.goto(`${starbase.url}${await mailedLink(starbase, viewerEmail, "invitation", "/invitations/accept")}`)
      await signInOnPage(page, viewerEmail)
      await page.getByRole("button", { name: "Accept invitation" }).click()
      await page.getByRole("heading", { name: "Projects" }).waitFor()
      await page.getByRole("link", { name: "cider" }).waitFor()
      const main = page.locator("main")
      const nothingToChange = async (what: string) => {
        await screenshot(what)
        // No button and no form; the one select a viewer may use is the canvas's environment switcher.
        expect(await main.locator("button, form").count(), what).toBe(0)
      }
      await nothingToChange("viewer-projects")
      await page.getByRole("link", { name: "cider" }).click()
      await page.locator('li[data-service="press"]').waitFor()
      await nothingToChange("viewer-canvas")
      await page.goto(`${starbase.url}/s/${owner.serviceId}`)
      await page.getByText("Not deployed yet.").waitFor()
      await nothingToChange("viewer-service")
      await page.getByRole("link", { name: "Variables" }).click()
      await page.locator('li[data-key="GREETING"]').waitFor()
      await nothingToChange("viewer-variables")
      await page.getByRole("link", { name: "Settings" }).click()
      await page.locator(`tr[data-email="${viewerEmail}"]`).waitFor()
      expect(await page.locator(`tr[data-email="${viewerEmail}"]`).textContent()).toContain("viewer")
      expect(await page.locator("[data-role]").getAttribute("data-role")).toBe("viewer")
      expect(await page.getByRole("heading", { name: "API tokens" }).count()).toBe(0)
      expect(await page.getByRole("link", { name: "Audit log" }).count()).toBe(0)
      await nothingToChange("viewer-settings")
      expect(await main.locator("select").count(), "a role select on the settings page").toBe(0)
    })
  }, 180_000)
})

describe("account", () => {
  it("lists the signed-in devices, signs another one out, and downloads the account's data", async () => {
    const email = unique("account")
    await Api.signUp(starbase.url, email, "Ada Account")
    await inBrowser("account", async ({ page, screenshot }) => {
      await page.goto(`${starbase.url}/account`)
      await signInOnPage(page, email)
      await page.getByRole("heading", { name: "Account" }).waitFor()
      const others = page.getByRole("button", { name: "Sign out this device" })
      await others.first().waitFor()
      expect(await page.locator('tr[data-current="true"]').count()).toBe(1)
      const before = await others.count()
      await screenshot("sessions")
      await accessible(page, "account")
      await others.first().click()
      await expect.poll(() => others.count()).toBe(before - 1)

      const download = page.waitForEvent("download")
      await page.getByRole("button", { name: "Download my data" }).click()
      const file = await (await download).path()
      const exported: unknown = JSON.parse(readFileSync(file, "utf8"))
      expect(exported).toMatchObject({ user: { email, name: "Ada Account" } })
      await screenshot("exported")
    })
  }, 60_000)
})
