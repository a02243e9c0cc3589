// biome-ignore-all lint/suspicious/noTemplateCurlyInString: variable references look like template placeholders
import type { Page } from "playwright-core"
import type * as Browsers from "./Browser.ts"
import * as Mail from "./Mail.ts"
import type * as Starbase from "./Starbase.ts"

/** The walk runs under vitest and in the benchmark alike, so it states what it expects itself. */
const check = (holds: boolean, what: string, actual: unknown) => {
  if (!holds) throw new Error(`expected ${what}, got ${JSON.stringify(actual)}`)
}

/**
 * EMAIL VERIFICATION STEP. Opens the link of the verification email the sign-up sent (see `Mail.mailedLink`: the link
 * Starbase prints once the message is written to STARFORM_HOME/mail, or the outbox row while it still waits).
 */
export const verifyEmail = async (starbase: Starbase.RunningStarbase, page: Page, address: string) => {
  // read as a person reads their inbox: the printed link once sent (the outbox row's token is then blanked), or the
  // outbox row while it still waits
  const link = await Mail.mailedLink(starbase, address, "verify_email", "/verify-email")
  await page.goto(`${starbase.url}${link}`)
  await page.getByText("Your email address is verified.").waitFor()
}

/** Waits until deployment `number`'s row shows `status` (the page updates itself: no reload). */
export const waitForStatus = (page: Page, number: number, status: string, timeout = 120_000) =>
  page.locator(`tr[data-number="${number}"][data-status="${status}"]`).waitFor({ timeout })

/**
 * The onboarding walk a new customer takes, in the browser only. Ends on the project canvas with the first release
 * serving again; returns where things are, for what a caller measures next.
 */
export const walk = async (starbase: Starbase.RunningStarbase, { page, screenshot }: Browsers.Watched) => {
  const email = `ada+${Date.now()}@example.com`

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

  await verifyEmail(starbase, page, email)
  await screenshot("email-verified")
  await page.getByRole("link", { name: "Continue to Starform" }).click()

  await page.getByRole("heading", { name: "New workspace" }).waitFor()
  await page.getByLabel("Workspace name").fill("Acme")
  await screenshot("new-workspace")
  await page.getByRole("button", { name: "Create workspace" }).click()
  await page.getByRole("heading", { name: "Projects" }).waitFor()
  check(/\/w\/wsp_[0-9a-z]+$/.test(page.url()), "the new workspace's page", page.url())

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
  const serviceUrl = page.url()

  await page.getByRole("button", { name: "Deploy" }).click()
  await waitForStatus(page, 1, "active")
  await screenshot("first-deploy-active")

  // A deep link survives a reload.
  await page.reload()
  await waitForStatus(page, 1, "active")

  await page.getByRole("link", { name: "Variables" }).click()
  // A reference to a service that does not exist is refused, and the reason shows next to the variable's key.
  await page.getByLabel("Key").fill("BROKEN")
  await page.getByLabel("Value").fill("${{ nowhere.KEY }}")
  await page.getByRole("button", { name: "Add variable" }).click()
  const keyField = page.locator(".field", { has: page.getByLabel("Key") })
  await keyField
    .getByRole("alert")
    .filter({ hasText: /nowhere/ })
    .waitFor()
  await screenshot("reference-refused")
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
  const confirmation = await confirm.textContent()
  check(confirmation?.includes("Variables removed: GREETING") === true, "the variable going away named", confirmation)
  await screenshot("rollback-confirmation")
  await confirm.getByRole("button", { name: "Roll back to #1" }).click()
  await waitForStatus(page, 3, "active")
  await waitForStatus(page, 2, "superseded")
  const rollbackRow = page.locator('tr[data-number="3"]')
  const row = await rollbackRow.textContent()
  check(/rollback of #1.*nginx:1\.27.*none/.test(row ?? ""), "#3 a rollback of #1 with its image and no variables", row)
  await screenshot("rolled-back")

  // The project canvas shows the first release's image serving, active.
  await page.getByRole("link", { name: "Back to the project" }).click()
  const card = page.locator('li[data-service="web"]')
  await card.locator('[data-status="active"]').waitFor()
  await screenshot("canvas-after-rollback")
  return { canvasUrl: page.url(), serviceUrl }
}
