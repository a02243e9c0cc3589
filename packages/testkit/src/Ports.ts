import { createServer } from "node:net"
import { Effect } from "effect"

/**
 * A TCP port on 127.0.0.1 that was free a moment ago, for a server a test starts, stops and starts again on the same
 * address (a Redis of its own, a service that goes away and returns).
 */
export const free = Effect.promise(
  () =>
    new Promise<number>((resolve) => {
      const server = createServer()
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as { port: number }
        server.close(() => resolve(port))
      })
    }),
)
