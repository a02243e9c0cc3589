import { describe, expect, it } from "@effect/vitest"
import * as Rollout from "../src/Rollout.ts"

const deployment = (status: NonNullable<Rollout.LiveDeployment["status"]>, generation = 2): Rollout.LiveDeployment => ({
  metadata: { generation },
  spec: { replicas: 3 },
  status,
})
const all = { replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 }

describe("rollout", () => {
  it("complete and ready only when the controller saw the latest spec and every replica is updated and available", () => {
    expect(Rollout.assess(deployment({ observedGeneration: 2, ...all }), []).phase).toBe("ready")
    expect(Rollout.assess(deployment({ observedGeneration: 1, ...all }), []).phase).toBe("progressing")
    expect(Rollout.assess(deployment({ observedGeneration: 2, ...all, availableReplicas: 2 }), []).phase).toBe(
      "progressing",
    )
    // old pods still around: 4 replicas in total
    expect(Rollout.assess(deployment({ observedGeneration: 2, ...all, replicas: 4 }), []).phase).toBe("progressing")
  })

  it("a progress deadline fails the release with the reason and the controller's message", () => {
    const assessment = Rollout.assess(
      deployment({
        observedGeneration: 2,
        replicas: 3,
        updatedReplicas: 3,
        conditions: [
          {
            type: "Progressing",
            status: "False",
            reason: "ProgressDeadlineExceeded",
            message: 'ReplicaSet "api-r2-5d9f" has timed out progressing.',
          },
        ],
      }),
      [],
    )
    expect(assessment.phase).toBe("failed")
    expect(assessment.failureReason).toBe(
      'ProgressDeadlineExceeded: ReplicaSet "api-r2-5d9f" has timed out progressing.',
    )
    expect(assessment.conditions).toEqual([
      {
        type: "Progressing",
        status: "False",
        reason: "ProgressDeadlineExceeded",
        message: 'ReplicaSet "api-r2-5d9f" has timed out progressing.',
      },
    ])
  })

  it("a replica failure fails the release", () => {
    const assessment = Rollout.assess(
      deployment({
        observedGeneration: 2,
        conditions: [{ type: "ReplicaFailure", status: "True", reason: "FailedCreate", message: "quota exceeded" }],
      }),
      [],
    )
    expect(assessment.failureReason).toBe("ReplicaFailure: FailedCreate: quota exceeded")
  })

  it("a crash-looping pod fails the release, naming the pod and its restarts", () => {
    const assessment = Rollout.assess(deployment({ observedGeneration: 2, replicas: 3, updatedReplicas: 1 }), [
      {
        metadata: { name: "api-r2-5d9f-x1" },
        status: {
          containerStatuses: [
            {
              name: "app",
              restartCount: 4,
              state: { waiting: { reason: "CrashLoopBackOff", message: "back-off 40s" } },
            },
          ],
        },
      },
    ])
    expect(assessment.phase).toBe("failed")
    expect(assessment.failureReason).toBe(
      "CrashLoopBackOff: container app of pod api-r2-5d9f-x1 restarted 4 times: back-off 40s",
    )
  })

  it("a release not created yet is progressing with nothing running", () => {
    expect(Rollout.assess(null, [])).toMatchObject({ phase: "progressing", desiredReplicas: 0, readyReplicas: 0 })
  })
})
