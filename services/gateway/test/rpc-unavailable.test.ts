import { randomBytes } from "node:crypto"
import { createServer, request as httpRequest } from "node:http"
import { describe, expect, it, layer } from "@effect/vitest"
import { FieldCrypto } from "@starform/crypto"
import { Ids, VariablesApi } from "@starform/domain"
import { Server as ProjectsServer } from "@starform/projects"
import { Fixtures, Ports, TestDatabase } from "@starform/testkit"
import { Cause, Effect, Exit, Layer, Schema, Scope } from "effect"
import * as ProjectsClient from "../src/projects/ProjectsClient.ts"

/** These calls (listing projects, setting variables) never ask identity: its address is one nothing listens on. */
const noIdentity = "http://127.0.0.1:1/rpc"

describe("a Starbase service that does not answer", () => {
  it.live("is a defect naming the service, and the request's secrets are not kept in it", () =>
    Effect.gen(function* () {
      const secret = "sk_live_do_not_log_me"
      const exit = yield* Effect.exit(
        ProjectsClient.call(
          ProjectsClient.ProjectsClient.use((client) =>
            client.SetServiceVariables({
              serviceId: Ids.newId("service"),
              variables: Schema.decodeUnknownSync(VariablesApi.VariableMap)({ STRIPE_KEY: secret }),
            }),
          ),
        ).pipe(Effect.provide(ProjectsClient.ProjectsClient.layer("http://127.0.0.1:1")), Effect.scoped),
      )
      expect(Exit.isFailure(exit) && Cause.hasDies(exit.cause)).toBe(true)
      const printed = Exit.isFailure(exit) ? Cause.pretty(exit.cause) : ""
      expect(printed).toContain("the projects service did not answer")
      expect(printed).not.toContain(secret)
    }),
  )
})

layer(Layer.merge(TestDatabase.layer, FieldCrypto.layerFromKeys(randomBytes(32))), {
  timeout: 60_000,
  excludeTestServices: true,
})("the gateway's connection to the projects service", (it) => {
  it.effect("fails calls at once while the service is down and carries them again once it is back", () =>
    Effect.gen(function* () {
      const port = yield* Ports.free
      const workspace = yield* Fixtures.workspace()
      yield* Fixtures.project({ workspaceId: workspace.id })
      const serve = Effect.gen(function* () {
        const scope = yield* Scope.make()
        yield* Layer.buildWithScope(ProjectsServer.layer({ host: "127.0.0.1", port, identityUrl: noIdentity }), scope)
        return scope
      })
      const client = yield* Layer.build(ProjectsClient.ProjectsClient.layer(`http://127.0.0.1:${port}`))
      const list = ProjectsClient.call(
        ProjectsClient.ProjectsClient.use((projects) =>
          projects.ListProjects({ workspaceId: workspace.id as Ids.WorkspaceId }),
        ),
      ).pipe(Effect.provideContext(client), Effect.exit)
      /** Calls until one succeeds; how long that took. */
      const untilAnswered = Effect.gen(function* () {
        const began = Date.now()
        for (;;) {
          if (Exit.isSuccess(yield* list)) return Date.now() - began
          if (Date.now() - began > 10_000) return Number.POSITIVE_INFINITY
          yield* Effect.sleep("20 millis")
        }
      })

      const first = yield* serve
      expect(yield* untilAnswered).toBeLessThan(2000)
      const answered = yield* list
      expect(Exit.isSuccess(answered) && answered.value.length).toBe(1)
      yield* Scope.close(first, Exit.void)
      const began = Date.now()
      const down = yield* list
      expect(Exit.isFailure(down) && Cause.pretty(down.cause)).toContain("the projects service did not answer")
      // at once, not after a timeout
      expect(Date.now() - began).toBeLessThan(1000)
      const second = yield* serve
      expect(yield* untilAnswered).toBeLessThan(2000)
      yield* Scope.close(second, Exit.void)
    }),
  )

  it.effect("calls made together share HTTP requests, and each gets its own answer or error", () =>
    Effect.gen(function* () {
      const port = yield* Ports.free
      yield* Layer.build(ProjectsServer.layer({ host: "127.0.0.1", port, identityUrl: noIdentity }))
      // A proxy in front of the service counts the HTTP requests that reach it.
      let exchanges = 0
      const proxy = createServer((incoming, outgoing) => {
        exchanges++
        const forwarded = httpRequest(
          { host: "127.0.0.1", port, path: incoming.url, method: incoming.method, headers: incoming.headers },
          (answer) => {
            outgoing.writeHead(answer.statusCode ?? 502, answer.headers)
            answer.pipe(outgoing)
          },
        )
        incoming.pipe(forwarded)
      })
      const proxyPort = yield* Effect.acquireRelease(
        Effect.promise(
          () =>
            new Promise<number>((resolve) =>
              proxy.listen(0, "127.0.0.1", () => resolve((proxy.address() as { port: number }).port)),
            ),
        ),
        () => Effect.promise(() => new Promise<void>((resolve) => proxy.close(() => resolve()))),
      )
      const client = yield* Layer.build(ProjectsClient.ProjectsClient.layer(`http://127.0.0.1:${proxyPort}`))
      const projects = ProjectsClient.ProjectsClient.use((service) => Effect.succeed(service)).pipe(
        Effect.provideContext(client),
      )
      const workspaces = [yield* Fixtures.workspace(), yield* Fixtures.workspace()]
      for (const [i, workspace] of workspaces.entries()) {
        for (let n = 0; n <= i; n++) yield* Fixtures.project({ workspaceId: workspace.id })
      }
      const service = yield* projects
      const missing = Ids.newId("project")
      const unbounded = { concurrency: "unbounded" } as const
      const { lists, gets } = yield* Effect.all(
        {
          lists: Effect.all(
            Array.from({ length: 20 }, (_, i) =>
              service.ListProjects({ workspaceId: workspaces[i % 2]!.id as Ids.WorkspaceId }),
            ),
            unbounded,
          ),
          gets: Effect.all(
            Array.from({ length: 10 }, () => Effect.exit(service.GetProject({ projectId: missing }))),
            unbounded,
          ),
        },
        unbounded,
      )
      expect(lists.map((projects) => projects.length)).toEqual(Array.from({ length: 20 }, (_, i) => (i % 2) + 1))
      for (const answer of gets) expect(Exit.isFailure(answer) && Cause.pretty(answer.cause)).toContain(missing)
      expect(exchanges).toBeGreaterThanOrEqual(1)
      expect(exchanges).toBeLessThan(30 / 2)
    }),
  )
})
