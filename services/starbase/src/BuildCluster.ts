import { Builds } from "@starform/builds"
import { Kube } from "@starform/kube"
import { Behavior, KubeSim } from "@starform/kube-sim"
import { Effect, Layer } from "effect"

/**
 * Where builds run when no cluster is configured: a simulated cluster (kube-sim) whose build Jobs clone, build and
 * push in a few seconds, reporting as the real runner does, and whose pre-deploy Jobs succeed, so that a push goes
 * all the way to a release on one machine. Every image it "pushes" has the same digest: nothing is built.
 */

const step = (ms: number, line: string) => ({ atMs: ms, line })

export const simulatedDigest = `sha256:${"5".repeat(64)}`

/** The same, on a simulated cluster given by the caller (`npm start` shares one with Shuttle). */
export const onSimulator: Layer.Layer<Kube, never, KubeSim> = Layer.unwrap(
  Effect.gen(function* () {
    const sim = yield* KubeSim
    sim.pods.script(
      { labels: { [Builds.Job.component]: "build" } },
      Behavior.succeed(3000, [
        "::starform phase=cloning",
        step(300, "Simulated cluster: no real build runs here; the build's steps are reported as a runner would."),
        step(600, "::starform phase=building"),
        step(2000, "::starform phase=pushing"),
        step(2500, `::starform pushed digest=${simulatedDigest} size=52428800`),
      ]),
    )
    sim.pods.script({ labels: { [Builds.Job.component]: "predeploy" } }, Behavior.succeed(1000, ["pre-deploy done"]))
    return Kube.layerFromOptions(sim.kubeConfig)
  }),
)

export const simulated: Layer.Layer<Kube> = onSimulator.pipe(Layer.provide(KubeSim.layer({ clock: "realtime" })))
