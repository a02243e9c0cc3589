import { describe, expect, it } from "@effect/vitest"
import { Builds } from "@starform/builds"
import { Deploys } from "@starform/domain"

const { Machine, Policy, Faults } = Builds

const attempt = (
  status: Deploys.BuildStatus,
  overrides: Partial<Builds.Machine.Attempt> = {},
): Builds.Machine.Attempt => ({
  status,
  attempt: 1,
  timeoutSeconds: 1800,
  imageSizeLimitBytes: Policy.defaultImageSizeLimitBytes,
  ...overrides,
})

const image = (sizeBytes: number): Builds.Machine.Image => ({
  imageRef: "registry.starform.internal/prj/svc:dep",
  imageDigest: `sha256:${"a".repeat(64)}`,
  sizeBytes,
})

const inProgress = ["queued", "cloning", "building", "pushing"] as const
const finals = ["succeeded", "failed", "timed_out", "cancelled"] as const

describe("a build moves through its phases", () => {
  it("queued → cloning → building → pushing → succeeded, one status at a time", () => {
    expect(Machine.decide(attempt("queued"), { _tag: "Reached", phase: "cloning" })).toMatchObject({
      _tag: "Move",
      path: ["cloning"],
      failure: null,
    })
    expect(Machine.decide(attempt("cloning"), { _tag: "Reached", phase: "building" })).toMatchObject({
      path: ["building"],
    })
    expect(Machine.decide(attempt("building"), { _tag: "Reached", phase: "pushing" })).toMatchObject({
      path: ["pushing"],
    })
    const done = Machine.decide(attempt("pushing"), { _tag: "Pushed", image: image(300_000_000) })
    expect(done).toMatchObject({ _tag: "Move", path: ["succeeded"], failure: null, retry: false })
    expect(done._tag === "Move" && done.image?.imageRef).toBe("registry.starform.internal/prj/svc:dep")
  })

  it("a phase the runner did not report is still entered, in order, so every status has its timestamp", () => {
    expect(Machine.decide(attempt("queued"), { _tag: "Reached", phase: "pushing" })).toMatchObject({
      path: ["cloning", "building", "pushing"],
    })
    expect(Machine.decide(attempt("cloning"), { _tag: "Pushed", image: image(1) })).toMatchObject({
      path: ["building", "pushing", "succeeded"],
    })
  })

  it("a report of a phase already passed changes nothing", () => {
    expect(Machine.decide(attempt("building"), { _tag: "Reached", phase: "cloning" })._tag).toBe("Ignore")
    expect(Machine.decide(attempt("building"), { _tag: "Reached", phase: "building" })._tag).toBe("Ignore")
  })

  it.each(finals)("a %s build ignores every later event", (status) => {
    const events: ReadonlyArray<Builds.Machine.Event> = [
      { _tag: "Reached", phase: "building" },
      { _tag: "Pushed", image: image(1) },
      { _tag: "Failed", fault: { _tag: "RunnerLost", detail: "node gone" } },
      { _tag: "DeadlinePassed" },
      { _tag: "Cancelled", reason: "newer push" },
    ]
    for (const event of events) expect(Machine.decide(attempt(status), event)._tag).toBe("Ignore")
  })
})

describe("failures", () => {
  const infrastructure: ReadonlyArray<Builds.Faults.Fault> = [
    { _tag: "RunnerLost", detail: "the node running it was removed" },
    { _tag: "RegistryUnavailable", detail: "503 Service Unavailable" },
    { _tag: "CloneNetworkError", detail: "connection reset by peer" },
  ]
  const user: ReadonlyArray<Builds.Faults.Fault> = [
    { _tag: "BuildCommandFailed", exitCode: 2, command: "npm run build" },
    { _tag: "DockerfileError", detail: "unknown instruction: RUNN" },
    { _tag: "NoBuildPlan", detail: "no package.json, requirements.txt, go.mod or Dockerfile" },
    { _tag: "SourceUnavailable", detail: "acme/api was not found" },
    { _tag: "ImageTooLarge", sizeBytes: 12_000_000_000, limitBytes: 10_000_000_000 },
  ]

  it.each(inProgress)(
    "an infrastructure fault while %s fails the attempt and retries it (attempts 1 and 2)",
    (status) => {
      for (const fault of infrastructure) {
        for (const n of [1, 2]) {
          const decision = Machine.decide(attempt(status, { attempt: n }), { _tag: "Failed", fault })
          expect(decision).toMatchObject({ _tag: "Move", path: ["failed"], retry: true })
          expect(decision._tag === "Move" && decision.failure).toMatchObject({ kind: "infrastructure" })
          expect(decision._tag === "Move" && decision.failure?.reason).toMatch(/retried automatically/)
        }
      }
    },
  )

  it("after two retries (the third attempt) an infrastructure fault is final and says what to do", () => {
    const decision = Machine.decide(attempt("building", { attempt: 3 }), {
      _tag: "Failed",
      fault: { _tag: "RegistryUnavailable", detail: "502 Bad Gateway" },
    })
    expect(decision).toMatchObject({ _tag: "Move", path: ["failed"], retry: false })
    expect(decision._tag === "Move" && decision.failure?.reason).toMatch(/failed 3 attempts in a row; redeploy/)
  })

  it.each(inProgress)("a user fault while %s fails at once, never retried, with a reason to act on", (status) => {
    for (const fault of user) {
      const decision = Machine.decide(attempt(status), { _tag: "Failed", fault })
      expect(decision).toMatchObject({ _tag: "Move", path: ["failed"], retry: false })
      expect(decision._tag === "Move" && decision.failure?.kind).toBe("user")
    }
    const failed = Machine.decide(attempt(status), {
      _tag: "Failed",
      fault: { _tag: "BuildCommandFailed", exitCode: 2, command: "npm run build" },
    })
    expect(failed._tag === "Move" && failed.failure?.reason).toBe(
      "The build command `npm run build` exited with code 2. See the build log for the first error, fix it and push again.",
    )
  })

  it("an image over the size limit fails the build as the user's to fix, naming both sizes", () => {
    const decision = Machine.decide(attempt("pushing"), { _tag: "Pushed", image: image(10_500_000_000) })
    expect(decision).toMatchObject({ _tag: "Move", path: ["failed"], retry: false, image: null })
    expect(decision._tag === "Move" && decision.failure).toEqual({
      kind: "user",
      reason:
        "The image is 10.5 GB, over the 10.0 GB limit. Make it smaller (a .dockerignore, a multi-stage build, fewer dependencies) and push again.",
    })
    expect(Machine.decide(attempt("pushing"), { _tag: "Pushed", image: image(10_000_000_000) })).toMatchObject({
      path: ["succeeded"],
    })
  })
})

describe("timeouts and cancellation", () => {
  it.each(inProgress)("a %s build past its deadline is timed_out, naming its timeout", (status) => {
    const decision = Machine.decide(attempt(status, { timeoutSeconds: 600 }), { _tag: "DeadlinePassed" })
    expect(decision).toMatchObject({ _tag: "Move", path: ["timed_out"], retry: false })
    expect(decision._tag === "Move" && decision.failure?.reason).toMatch(/within its 10 minutes timeout/)
  })

  it.each(inProgress)("a %s build is cancelled with the reason given, as nobody's fault", (status) => {
    const decision = Machine.decide(attempt(status), { _tag: "Cancelled", reason: "Superseded by a newer push." })
    expect(decision).toMatchObject({
      _tag: "Move",
      path: ["cancelled"],
      failure: { kind: null, reason: "Superseded by a newer push." },
      retry: false,
    })
  })

  it("every move the machine makes is one the build lifecycle allows", () => {
    const events: ReadonlyArray<Builds.Machine.Event> = [
      { _tag: "Reached", phase: "cloning" },
      { _tag: "Reached", phase: "building" },
      { _tag: "Reached", phase: "pushing" },
      { _tag: "Pushed", image: image(1) },
      { _tag: "Pushed", image: image(20_000_000_000) },
      { _tag: "Failed", fault: { _tag: "RunnerLost", detail: "x" } },
      { _tag: "Failed", fault: { _tag: "DockerfileError", detail: "x" } },
      { _tag: "DeadlinePassed" },
      { _tag: "Cancelled", reason: "x" },
    ]
    for (const status of Deploys.buildStatuses) {
      for (const event of events) {
        const decision = Machine.decide(attempt(status), event)
        if (decision._tag === "Ignore") continue
        let from: Deploys.BuildStatus = status
        for (const to of decision.path) {
          expect(Builds.Machine.canMove(from, to), `${from} → ${to}`).toBe(true)
          from = to
        }
      }
    }
  })
})

describe("plan limits", () => {
  it("a service's timeout is its own, up to its plan's maximum; 30 minutes by default", () => {
    expect(Policy.timeoutFor("hobby", null)).toBe(1800)
    expect(Policy.timeoutFor("pro", 3000)).toBe(3000)
    expect(Policy.timeoutFor("hobby", 3000)).toBe(1800)
    expect(Policy.timeoutRefusal("pro", 3600)).toBeUndefined()
    expect(Policy.timeoutRefusal("pro", 3601)).toBe(
      "must be at most 3600 seconds (60 minutes) on the pro plan; upgrade the plan for longer builds",
    )
    expect(Policy.timeoutRefusal("team", 30)).toBe("must be a whole number of seconds, at least 60")
  })

  it("retries back off: the base delay, then four times it, with at most 20 % jitter", () => {
    expect(Policy.backoffMs(2, 1000, 0)).toBe(1000)
    expect(Policy.backoffMs(3, 1000, 0)).toBe(4000)
    expect(Policy.backoffMs(3, 1000, 1)).toBe(4800)
    expect(Policy.retries(1)).toBe(true)
    expect(Policy.retries(2)).toBe(true)
    expect(Policy.retries(3)).toBe(false)
  })

  it("a workspace at its concurrency limit queues the excess and says why, without holding up other workspaces", () => {
    const queued = [
      { id: "b1", workspaceId: "w1", plan: "hobby" as const },
      { id: "b2", workspaceId: "w1", plan: "hobby" as const },
      { id: "b3", workspaceId: "w2", plan: "pro" as const },
      { id: "b4", workspaceId: "w2", plan: "pro" as const },
      { id: "b5", workspaceId: "w2", plan: "pro" as const },
    ]
    const { start, wait } = Policy.admit(queued, new Map([["w2", 1]]))
    expect(start.map((b) => b.id)).toEqual(["b1", "b3", "b4"])
    expect(wait.map((b) => [b.id, b.reason])).toEqual([
      [
        "b2",
        "Waiting for a build slot: 1 of 1 concurrent build allowed on the hobby plan is running; this build starts when one finishes.",
      ],
      [
        "b5",
        "Waiting for a build slot: 3 of 3 concurrent builds allowed on the pro plan are running; this build starts when one finishes.",
      ],
    ])
  })
})

describe("which services a push touches", () => {
  it("a service in a sub-directory deploys only when a changed path is inside it", () => {
    expect(Policy.touches("/apps/api", ["apps/api/src/index.ts"])).toBe(true)
    expect(Policy.touches("/apps/api/", ["apps/api"])).toBe(true)
    expect(Policy.touches("/apps/api", ["apps/web/src/index.ts", "README.md"])).toBe(false)
    expect(Policy.touches("/apps/api", ["apps/api-gateway/index.ts"])).toBe(false)
    expect(Policy.touches("/apps/api", [])).toBe(false)
  })

  it("a service at the repository's root deploys on every push; an unknown change set deploys everything", () => {
    expect(Policy.touches("/", ["docs/x.md"])).toBe(true)
    expect(Policy.touches("/", [])).toBe(true)
    expect(Policy.touches("/apps/api", null)).toBe(true)
  })

  it("failures are classified: infrastructure faults are retried, the rest are the user's", () => {
    expect(Faults.kindOf({ _tag: "CloneNetworkError", detail: "x" })).toBe("infrastructure")
    expect(Faults.kindOf({ _tag: "SourceUnavailable", detail: "x" })).toBe("user")
  })
})
