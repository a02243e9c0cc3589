import { execFileSync } from "node:child_process"
import { describe, expect, it } from "@effect/vitest"
import { Builds } from "@starform/builds"

const { Job, Protocol } = Builds

const spec: Builds.Job.BuildSpec = {
  buildId: "bld_0abcdefghijklmnopqrstuvw",
  workspaceId: "wsp_0abcdefghijklmnopqrstuvw",
  projectId: "prj_0abcdefghijklmnopqrstuvw",
  environmentId: "env_0abcdefghijklmnopqrstuvw",
  serviceId: "svc_0abcdefghijklmnopqrstuvw",
  deploymentId: "dep_0abcdefghijklmnopqrstuvw",
  attempt: 2,
  repoFullName: "acme/api",
  commitSha: "a".repeat(40),
  sourceUrl: null,
  rootDirectory: "/apps/api/",
  imageRef: "registry.starform.internal/prj/svc:dep",
  imageSizeLimitBytes: 10_000_000_000,
  timeoutSeconds: 1800,
  buildCommand: "npm run build:prod",
  startCommand: "node dist/server.js",
}

describe("the build Job", () => {
  it("runs Railpack on BuildKit with the service's overrides as Railpack's settings, and never carries the token itself", () => {
    const job = Job.buildJob(spec)
    expect(job.metadata).toMatchObject({ name: "build-bld-0abcdefghijklmnopqrstuvw-2", namespace: "starform-builds" })
    expect(job.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 1860 })
    const container = job.spec.template.spec.containers[0]!
    const env = Object.fromEntries(container.env.map((e) => [e.name, e.value ?? e.valueFrom]))
    expect(env).toMatchObject({
      RAILPACK_BUILD_CMD: "npm run build:prod",
      RAILPACK_START_CMD: "node dist/server.js",
      BUILDKIT_HOST: "tcp://buildkitd.starform-builds.svc.cluster.local:1234",
      STARFORM_ROOT: "/apps/api",
      STARFORM_COMMIT: "a".repeat(40),
      GIT_TOKEN: { secretKeyRef: { name: job.metadata.name, key: "token" } },
    })
    const secret = Job.tokenSecret(spec, "ghs_secret")
    expect(JSON.stringify(job)).not.toContain("ghs_secret")
    expect(Buffer.from(secret.data.token, "base64").toString()).toBe("ghs_secret")
    const plain = Job.buildJob({ ...spec, buildCommand: null, startCommand: null })
    expect(plain.spec.template.spec.containers[0]!.env.map((e) => e.name)).not.toContain("RAILPACK_BUILD_CMD")
  })

  it("a build of an uploaded folder fetches it through its link instead of cloning (no link: no fetch)", () => {
    const link = "http://builds:8083/sources/upl_0abcdefghijklmnopqrstuvw/archive?expires=1&signature=ab"
    const env = (s: Builds.Job.BuildSpec) =>
      Object.fromEntries(Job.buildJob(s).spec.template.spec.containers[0]!.env.map((e) => [e.name, e.value]))
    expect(env({ ...spec, sourceUrl: link, repoFullName: "", commitSha: "" }).STARFORM_SOURCE_URL).toBe(link)
    expect(env(spec)).not.toHaveProperty("STARFORM_SOURCE_URL")
    expect(Job.script).toMatch(/curl .*"\$STARFORM_SOURCE_URL"/)
    expect(Job.script).toContain("tar -xzf /tmp/source.tar.gz -C /workspace")
  })

  it("its script is valid shell and reports every step with the markers the pipeline reads", () => {
    execFileSync("sh", ["-n", "-c", Job.script])
    for (const marker of ["phase=cloning", "phase=building", "phase=pushing", "pushed digest="])
      expect(Job.script).toContain(marker)
    expect(Job.script).not.toMatch(/x-access-token:\$GIT_TOKEN@/)
  })

  it("the pre-deploy Job runs the pushed image, pinned by digest, in the service's namespace with its variables", () => {
    const job = Job.predeployJob({
      ...spec,
      command: "npm run migrate",
      imageDigest: `sha256:${"b".repeat(64)}`,
    })
    expect(job.metadata.namespace).toBe("env-0abcdefghijklmnopqrstuvw")
    const container = job.spec.template.spec.containers[0]!
    expect(container.image).toBe(`registry.starform.internal/prj/svc@sha256:${"b".repeat(64)}`)
    expect(container.command).toEqual(["/bin/sh", "-c", "npm run migrate"])
    // the release's own variables, never the service's `<service>-env` (written only once a release rolls out)
    expect(container.envFrom).toEqual([{ secretRef: { name: job.metadata.name } }])
    const secret = Job.predeployEnvSecret(
      { ...spec, command: "npm run migrate", imageDigest: null },
      { DATABASE_URL: "postgres://db/app" },
      { uid: "job-uid" },
    )
    expect(secret.metadata).toMatchObject({ name: job.metadata.name, namespace: job.metadata.namespace })
    expect(secret.metadata.ownerReferences).toEqual([
      { apiVersion: "batch/v1", kind: "Job", name: job.metadata.name, uid: "job-uid" },
    ])
    expect(Buffer.from(secret.data.DATABASE_URL!, "base64").toString("utf8")).toBe("postgres://db/app")
  })
})

describe("the runner's markers", () => {
  it("phases, the pushed image and faults are read; anything else is a log line", () => {
    expect(Protocol.parse("::starform phase=building")).toEqual({ _tag: "Phase", phase: "building" })
    expect(Protocol.parse(`::starform pushed digest=sha256:${"c".repeat(64)} size=42`)).toEqual({
      _tag: "Pushed",
      digest: `sha256:${"c".repeat(64)}`,
      sizeBytes: 42,
    })
    expect(Protocol.parse("::starform fault=build-command exit=2 the build step failed")).toEqual({
      _tag: "Fault",
      code: "build-command",
      exitCode: 2,
      detail: "the build step failed",
    })
    expect(Protocol.parse("::starform pushed digest=nope size=1")).toBeUndefined()
    expect(Protocol.parse("npm WARN deprecated")).toBeUndefined()
  })

  it("how a runner ended decides the event: lost is ours to retry, a silent non-zero exit is the build's", () => {
    const image = { imageRef: "r/i:t", buildCommand: "make" }
    expect(
      Protocol.ended({ _tag: "Lost", detail: "node gone" }, { pushed: undefined, fault: undefined }, image),
    ).toEqual({
      _tag: "Failed",
      fault: { _tag: "RunnerLost", detail: "node gone" },
    })
    expect(
      Protocol.ended({ _tag: "Exited", exitCode: 0 }, { pushed: undefined, fault: undefined }, image),
    ).toMatchObject({
      fault: { _tag: "RunnerLost" },
    })
    expect(Protocol.ended({ _tag: "Exited", exitCode: 7 }, { pushed: undefined, fault: undefined }, image)).toEqual({
      _tag: "Failed",
      fault: { _tag: "BuildCommandFailed", exitCode: 7, command: "make" },
    })
  })
})
