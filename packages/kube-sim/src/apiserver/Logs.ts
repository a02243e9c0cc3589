import type { ServerResponse } from "node:http"
import type { KObject } from "../Objects.ts"

/** Where `pods/log` reads from: the simulated kubelet's container output. */
export interface LogSource {
  read(pod: KObject, container: string | undefined): string
  follow(pod: KObject, container: string | undefined, onLine: (line: string) => void, onEnd: () => void): () => void
}

/** `pods/log`: the container's output as plain text, its last `tailLines`, or followed until the pod stops. */
export const serveLog = (res: ServerResponse, logs: LogSource, pod: KObject, query: URLSearchParams) => {
  const container = query.get("container") ?? undefined
  const tail = query.has("tailLines") ? Number(query.get("tailLines")) : undefined
  const text = logs.read(pod, container)
  const lines = text.length > 0 ? text.replace(/\n$/, "").split("\n") : []
  const shown = tail !== undefined ? lines.slice(Math.max(0, lines.length - tail)) : lines
  if (query.get("follow") !== "true") {
    res.writeHead(200, { "Content-Type": "text/plain" })
    res.end(shown.map((l) => `${l}\n`).join(""))
    return
  }
  res.writeHead(200, { "Content-Type": "text/plain", "Transfer-Encoding": "chunked" })
  res.flushHeaders()
  for (const line of shown) res.write(`${line}\n`)
  const stop = logs.follow(
    pod,
    container,
    (line) => res.write(`${line}\n`),
    () => res.end(),
  )
  res.on("close", stop)
}
