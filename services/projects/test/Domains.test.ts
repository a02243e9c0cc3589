import { expect, layer } from "@effect/vitest"
import { ProjectsApi, ServicesApi } from "@starform/domain"
import { Domains, Projects, Services } from "@starform/projects"
import { Fixtures } from "@starform/testkit"
import { Effect, Schema } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { imageService, project, TestLayer } from "./support.ts"

/**
 * Generated domains as the projects service keeps them: every public web service holds one
 * `<name>[-<env>]-<short id>.starform.app`, stable across renames and turns private; its subdomain can move to
 * another free one; of two services racing for one subdomain, one gets it and the other hears 409.
 */

const decodeUpdate = Schema.decodeUnknownSync(ServicesApi.UpdateServiceRequest)
const decodeEnvironment = Schema.decodeUnknownSync(ProjectsApi.CreateEnvironmentRequest)
const actor = {
  type: "user",
  id: "usr_000000000000000000000001",
  userId: null,
  ip: "203.0.113.9",
  userAgent: "test",
} as const
const shortOf = (serviceId: string) => serviceId.slice(4, 10)

layer(TestLayer, { timeout: 60_000, excludeTestServices: true })("generated domains", (it) => {
  it.effect("a public web service gets <name>-<short id>.starform.app at creation, with its URL on the view", () =>
    Effect.gen(function* () {
      const { environment } = yield* project()
      const web = yield* imageService(environment.id, "api", { isPublic: true })
      const hostname = `api-${shortOf(web.id)}.starform.app`
      expect(web).toMatchObject({ url: `https://${hostname}`, domains: [hostname], domainsReason: null })
      const listed = yield* Domains.use((domains) => domains.list(web.id))
      expect(listed.reason).toBeNull()
      expect(listed.domains).toMatchObject([
        { serviceId: web.id, hostname, url: `https://${hostname}`, kind: "generated", status: "active" },
      ])
    }),
  )

  it.effect("private web services, workers and cron jobs get none, and say why", () =>
    Effect.gen(function* () {
      const { environment } = yield* project()
      const internal = yield* imageService(environment.id, "internal")
      const worker = yield* imageService(environment.id, "jobs", { type: "worker", port: null })
      const cron = yield* imageService(environment.id, "nightly", {
        type: "cron",
        port: null,
        cronSchedule: "0 3 * * *",
      })
      expect(internal).toMatchObject({ url: null, domains: [], domainsReason: expect.stringMatching(/private/) })
      expect(worker).toMatchObject({ url: null, domains: [], domainsReason: expect.stringMatching(/worker/) })
      expect(cron).toMatchObject({ url: null, domains: [], domainsReason: expect.stringMatching(/cron job/) })
      const listed = yield* Domains.use((domains) => domains.list(worker.id))
      expect(listed).toEqual({ domains: [], reason: worker.domainsReason })
    }),
  )

  it.effect("outside the first environment the name carries the environment's", () =>
    Effect.gen(function* () {
      const { project: created } = yield* project()
      const staging = yield* Projects.use((projects) =>
        projects.createEnvironment(created.id, decodeEnvironment({ name: "staging" })),
      )
      const web = yield* imageService(staging.id, "api", { isPublic: true })
      expect(web.domains).toEqual([`api-staging-${shortOf(web.id)}.starform.app`])
    }),
  )

  it.effect("is assigned when a service is made public and kept across renames and turns private", () =>
    Effect.gen(function* () {
      const { environment } = yield* project()
      const web = yield* imageService(environment.id, "site")
      expect(web.domains).toEqual([])
      const update = (request: Record<string, unknown>) =>
        Services.use((services) => services.update(web.id, decodeUpdate(request)))
      const madePublic = yield* update({ isPublic: true })
      const hostname = `site-${shortOf(web.id)}.starform.app`
      expect(madePublic.url).toBe(`https://${hostname}`)
      expect((yield* update({ name: "storefront" })).domains).toEqual([hostname])
      expect((yield* update({ isPublic: false })).domains).toEqual([])
      expect((yield* update({ isPublic: true })).domains).toEqual([hostname])
    }),
  )

  it.effect("requests making a service public at once leave it exactly one generated domain", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const { environment } = yield* project()
      const web = yield* imageService(environment.id, "dual")
      const views = yield* Effect.forEach(
        [1, 2, 3, 4],
        () => Services.use((services) => services.update(web.id, decodeUpdate({ isPublic: true }))),
        { concurrency: "unbounded" },
      )
      const rows = yield* sql<{ hostname: string }>`SELECT hostname FROM domains WHERE service_id = ${web.id}`
      expect(rows.map((row) => row.hostname)).toEqual([`dual-${shortOf(web.id)}.starform.app`])
      for (const view of views) expect(view.domains).toEqual([`dual-${shortOf(web.id)}.starform.app`])
    }),
  )

  it.effect("its subdomain moves to a free one; a taken, reserved or bad one is refused", () =>
    Effect.gen(function* () {
      const { environment } = yield* project()
      const shop = yield* imageService(environment.id, "shop", { isPublic: true })
      const other = yield* imageService(environment.id, "other", { isPublic: true })
      const internal = yield* imageService(environment.id, "internal")
      const change = (serviceId: string, subdomain: string) =>
        Domains.use((domains) => domains.changeSubdomain(serviceId, subdomain, actor))
      const wanted = Fixtures.uniqueName("shop")

      const changed = yield* change(shop.id, wanted)
      expect(changed).toMatchObject({ hostname: `${wanted}.starform.app`, url: `https://${wanted}.starform.app` })
      const sql = yield* SqlClient.SqlClient
      const audited = yield* sql<{ action: string; metadata: unknown }>`
        SELECT action, metadata FROM audit_log WHERE target_id = ${changed.id}`
      expect(audited).toMatchObject([
        { action: "domain.update", metadata: { from: `shop-${shortOf(shop.id)}.starform.app`, to: changed.hostname } },
      ])
      expect((yield* Services.use((services) => services.get(shop.id))).domains).toEqual([`${wanted}.starform.app`])
      // asking again for the name it holds changes nothing
      expect((yield* change(shop.id, wanted)).hostname).toBe(`${wanted}.starform.app`)

      const taken = yield* Effect.flip(change(other.id, wanted))
      expect(taken._tag).toBe("Refused")
      expect(taken.message).toMatch(/already taken/)
      expect((yield* Effect.flip(change(other.id, "www")))._tag).toBe("ValidationFailed")
      expect((yield* Effect.flip(change(other.id, "Bad_Name")))._tag).toBe("ValidationFailed")
      const privateOne = yield* Effect.flip(change(internal.id, Fixtures.uniqueName("x")))
      expect(privateOne._tag).toBe("Refused")
      expect(privateOne.message).toMatch(/private/)
      // the old name is free again
      expect((yield* change(other.id, `shop-${shortOf(shop.id)}`)).hostname).toBe(
        `shop-${shortOf(shop.id)}.starform.app`,
      )
    }),
  )

  it.effect("two services racing for one subdomain: one gets it, the other hears 409", () =>
    Effect.gen(function* () {
      const { environment } = yield* project()
      const racers = yield* Effect.forEach(["one", "two", "three", "four"], (name) =>
        imageService(environment.id, name, { isPublic: true }),
      )
      const wanted = Fixtures.uniqueName("race")
      const outcomes = yield* Effect.forEach(
        racers,
        (racer) => Effect.result(Domains.use((domains) => domains.changeSubdomain(racer.id, wanted, actor))),
        { concurrency: "unbounded" },
      )
      const won = outcomes.filter((outcome) => outcome._tag === "Success")
      const lost = outcomes.flatMap((outcome) => (outcome._tag === "Failure" ? [outcome.failure] : []))
      expect(won).toHaveLength(1)
      expect(lost.map((error) => error._tag)).toEqual(["Refused", "Refused", "Refused"])
    }),
  )

  it.effect("public services that have no domain yet (made before them) get one when the service starts", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const { environment } = yield* project()
      const web = yield* imageService(environment.id, "legacy", { isPublic: true })
      const internal = yield* imageService(environment.id, "quiet")
      yield* sql`DELETE FROM domains WHERE service_id = ${web.id}`
      expect((yield* Services.use((services) => services.get(web.id))).domains).toEqual([])
      expect(yield* Domains.use((domains) => domains.backfill())).toBeGreaterThanOrEqual(1)
      expect((yield* Services.use((services) => services.get(web.id))).domains).toEqual([
        `legacy-${shortOf(web.id)}.starform.app`,
      ])
      expect((yield* Services.use((services) => services.get(internal.id))).domains).toEqual([])
      // nothing left to give: a second run gives none
      expect(yield* Domains.use((domains) => domains.backfill())).toBe(0)
    }),
  )

  it.effect("a foreign or missing service is 404", () =>
    Effect.gen(function* () {
      const missing = "svc_000000000000000000000000"
      expect((yield* Effect.flip(Domains.use((domains) => domains.list(missing))))._tag).toBe("Missing")
      expect((yield* Effect.flip(Domains.use((domains) => domains.changeSubdomain(missing, "shop", actor))))._tag).toBe(
        "Missing",
      )
    }),
  )
})
