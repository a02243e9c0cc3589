// A simulated cluster on its own: `node packages/kube-sim/src/bin/serve.ts [--port 6443] [--kubeconfig FILE]
// [--clock realtime|fast] [--gateway]`. Prints the URL; with --kubeconfig writes a kubeconfig for kubectl or
// KUBECONFIG. Ctrl-C stops it.
import { writeFileSync } from "node:fs"
import { parseArgs } from "node:util"
import { type ClockMode, KubeSim, Seeds } from "../index.ts"

const { values } = parseArgs({
  options: {
    port: { type: "string", default: process.env.KUBE_SIM_PORT ?? "6443" },
    host: { type: "string", default: "127.0.0.1" },
    kubeconfig: { type: "string" },
    clock: { type: "string", default: "realtime" },
    gateway: { type: "boolean", default: false },
  },
})

const clock = values.clock as ClockMode
if (!["realtime", "fast", "manual"].includes(clock)) {
  console.error(`kube-sim: --clock must be realtime, fast or manual (got ${values.clock})`)
  process.exit(2)
}
const port = Number(values.port)
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`kube-sim: --port must be a port number (got ${values.port})`)
  process.exit(2)
}

const sim = await KubeSim.start({ port, host: values.host, clock, seed: values.gateway ? Seeds.envoyGateway() : [] })
if (values.kubeconfig) writeFileSync(values.kubeconfig, sim.kubeConfigYaml, { mode: 0o600 })
console.log(
  `kube-sim: serving the Kubernetes API on ${sim.url}${values.kubeconfig ? ` (kubeconfig: ${values.kubeconfig})` : ""}`,
)

const stop = () => {
  sim.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  )
}
process.on("SIGINT", stop)
process.on("SIGTERM", stop)
