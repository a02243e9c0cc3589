import { createHash } from "node:crypto"
import { describe, expect, it } from "@effect/vitest"
import { DesiredState, type Ids, ServiceConfig } from "@starform/domain"
import { DesiredStateDocument, type Snapshot } from "@starform/projects"
import { Schema } from "effect"
import fc from "fast-check"

/**
 * Property tests of the desired-state builder over random worlds of clusters, environments and services, each
 * service holding secrets no other service has.
 */

const suffix = fc.stringMatching(/^[0-9a-z]{24}$/)
const id = <P extends string>(prefix: P) => suffix.map((tail) => `${prefix}_${tail}`)
const label = fc.stringMatching(/^[a-z][a-z0-9]{0,9}$/)
const clusters = [
  "clu_000000000000000000000001",
  "clu_000000000000000000000002",
  "clu_000000000000000000000003",
] as ReadonlyArray<string> as ReadonlyArray<Ids.ClusterId>

const releaseOf = (deploymentId: string, number: number, digest: boolean): DesiredStateDocument.ReleaseInput => ({
  deploymentId: deploymentId as Ids.DeploymentId,
  number,
  imageRef: `registry.example.com/acme/app:${number}`,
  imageDigest: digest ? `sha256:${createHash("sha256").update(deploymentId).digest("hex")}` : null,
  commitSha: null,
})

const serviceArbitrary = fc
  .record({
    serviceId: id("svc"),
    name: label,
    type: fc.constantFrom("web", "worker", "cron") as fc.Arbitrary<"web" | "worker" | "cron">,
    deploymentId: id("dep"),
    previousId: fc.option(id("dep"), { nil: null }),
    number: fc.integer({ min: 1, max: 500 }),
    digest: fc.boolean(),
    isPublic: fc.boolean(),
    keys: fc.uniqueArray(fc.stringMatching(/^[A-Z][A-Z0-9_]{0,7}$/), { maxLength: 4 }),
    domains: fc.uniqueArray(
      label.map((name) => `${name}.example.com`),
      { maxLength: 2 },
    ),
    replicas: fc.integer({ min: 1, max: 5 }),
  })
  .map((spec): DesiredStateDocument.ServiceInput => {
    const web = spec.type === "web"
    const snapshot: Snapshot.Snapshot = {
      service: {
        name: spec.name as Snapshot.SnapshotService["name"],
        type: spec.type,
        sourceType: "image",
        repoFullName: null,
        branch: null,
        rootDirectory: "/",
        imageRef: "registry.example.com/acme/app:1",
        port: web ? 8080 : null,
        cronSchedule: spec.type === "cron" ? "*/5 * * * *" : null,
        isPublic: web && spec.isPublic,
      },
      config: { ...ServiceConfig.defaults, scaling: { mode: "fixed", replicas: spec.replicas } },
      variables: {},
    }
    // every value is a secret that belongs to this service alone
    const variables = Object.fromEntries(spec.keys.map((key) => [key, `secret-${spec.serviceId}-${key}`]))
    return {
      serviceId: spec.serviceId as Ids.ServiceId,
      release: releaseOf(spec.deploymentId, spec.number + 1, spec.digest),
      snapshot,
      variables,
      previous: spec.previousId === null ? null : releaseOf(spec.previousId, spec.number, spec.digest),
      domains: spec.domains,
    }
  })

const environmentArbitrary = fc
  .record({
    workspaceId: id("wsp"),
    projectId: id("prj"),
    environmentId: id("env"),
    name: label,
    isEphemeral: fc.boolean(),
    clusterId: fc.option(fc.constantFrom(...clusters), { nil: null }),
    services: fc.uniqueArray(serviceArbitrary, { maxLength: 4, selector: (service) => service.serviceId }),
  })
  .map(
    (environment): DesiredStateDocument.EnvironmentInput => ({
      ...environment,
      workspaceId: environment.workspaceId as Ids.WorkspaceId,
      projectId: environment.projectId as Ids.ProjectId,
      environmentId: environment.environmentId as Ids.EnvironmentId,
      clusterId: environment.clusterId as Ids.ClusterId | null,
    }),
  )

const worldArbitrary = fc.uniqueArray(environmentArbitrary, {
  maxLength: 6,
  selector: (environment) => environment.environmentId,
})

const decodeContent = Schema.decodeUnknownSync(DesiredState.Content)

describe("the desired-state builder", () => {
  it("gives the same bytes and hash for the same input, whatever order it arrives in", () => {
    fc.assert(
      fc.property(worldArbitrary, fc.constantFrom(...clusters), (world, clusterId) => {
        const first = DesiredStateDocument.buildOnce(clusterId, world)
        const shuffled = [...world]
          .reverse()
          .map((environment) => ({ ...environment, services: [...environment.services].reverse() }))
        const second = DesiredStateDocument.buildOnce(clusterId, shuffled)
        expect(second.bytes).toBe(first.bytes)
        expect(second.hash).toBe(first.hash)
        // the assembled bytes are the canonical serialisation, and the hash is what Shuttle can recompute
        expect(first.bytes).toBe(DesiredState.serialize(first.content))
        expect(first.hash).toBe(DesiredState.hashOf(first.content))
        // and the document is what the contract says it is
        expect(decodeContent(JSON.parse(first.bytes))).toEqual(first.content)
      }),
      { numRuns: 150 },
    )
  })

  it("a builder that remembers earlier builds gives what a fresh one gives", () => {
    fc.assert(
      fc.property(worldArbitrary, worldArbitrary, fc.constantFrom(...clusters), (before, after, clusterId) => {
        const builder = DesiredStateDocument.make()
        builder.build(clusterId, before)
        builder.build(clusterId, [...before, ...after])
        const again = builder.build(clusterId, after)
        expect(again.bytes).toBe(DesiredStateDocument.buildOnce(clusterId, after).bytes)
      }),
      { numRuns: 100 },
    )
  })

  it("never puts another cluster's environments, tenants or secrets in a document", () => {
    fc.assert(
      fc.property(worldArbitrary, fc.constantFrom(...clusters), (world, clusterId) => {
        const { bytes, content } = DesiredStateDocument.buildOnce(clusterId, world)
        for (const environment of content.environments) {
          const source = world.find((candidate) => candidate.environmentId === environment.environmentId)
          expect(source?.clusterId).toBe(clusterId)
          for (const service of environment.services) {
            // every service sits under its own tenant key
            expect(service.projectId).toBe(environment.projectId)
            expect(service.workspaceId).toBe(environment.workspaceId)
            expect(service.environmentId).toBe(environment.environmentId)
          }
        }
        for (const environment of world) {
          if (environment.clusterId === clusterId) continue
          expect(bytes).not.toContain(environment.environmentId)
          for (const service of environment.services) {
            expect(bytes).not.toContain(service.serviceId)
            for (const secret of Object.values(service.variables)) expect(bytes).not.toContain(secret)
          }
        }
      }),
      { numRuns: 150 },
    )
  })

  it("a secret appears in its own cluster's document, and in no other", () => {
    fc.assert(
      fc.property(worldArbitrary, (world) => {
        const documents = new Map(
          clusters.map((clusterId) => [clusterId, DesiredStateDocument.buildOnce(clusterId, world).bytes]),
        )
        for (const environment of world) {
          for (const service of environment.services) {
            for (const secret of Object.values(service.variables)) {
              const holders = clusters.filter((clusterId) => documents.get(clusterId)!.includes(secret))
              expect(holders).toEqual(environment.clusterId === null ? [] : [environment.clusterId])
            }
          }
        }
      }),
      { numRuns: 150 },
    )
  })

  it("fills what Shuttle needs: a web service gets PORT and a readiness probe on its port; a cron job runs one pod unprobed", () => {
    const environment: DesiredStateDocument.EnvironmentInput = {
      workspaceId: "wsp_000000000000000000000001" as Ids.WorkspaceId,
      projectId: "prj_000000000000000000000001" as Ids.ProjectId,
      environmentId: "env_000000000000000000000001" as Ids.EnvironmentId,
      name: "production",
      isEphemeral: false,
      clusterId: clusters[0]!,
      services: [],
    }
    const base = fc.sample(serviceArbitrary, { numRuns: 1, seed: 7 })[0]!
    const web = DesiredStateDocument.serviceState(environment, {
      ...base,
      snapshot: {
        ...base.snapshot,
        service: { ...base.snapshot.service, type: "web", port: 3000, cronSchedule: null, isPublic: true },
      },
      domains: ["b.example.com", "a.example.com"],
    })
    expect(web.variables.PORT).toBe("3000")
    expect(web.probes.readiness).toMatchObject({ type: "tcp", port: 3000 })
    expect(web.domains).toEqual(["a.example.com", "b.example.com"])
    expect(web.namespace).toBe("env-000000000000000000000001")
    expect(web.restartPolicy).toBe("always")

    const cron = DesiredStateDocument.serviceState(environment, {
      ...base,
      snapshot: {
        ...base.snapshot,
        service: { ...base.snapshot.service, type: "cron", port: null, cronSchedule: "@daily", isPublic: false },
        config: { ...base.snapshot.config, scaling: { mode: "fixed", replicas: 3 } },
      },
    })
    expect(cron.scaling).toEqual({ mode: "fixed", replicas: 1 })
    expect(cron.probes).toEqual({ startup: null, liveness: null, readiness: null })
    expect(cron.restartPolicy).toBe("on_failure")
    expect(cron.variables.PORT).toBeUndefined()
  })
})
