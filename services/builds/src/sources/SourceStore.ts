import { createHash } from "node:crypto"
import { createReadStream } from "node:fs"
import { mkdir, open, rename, rm, stat } from "node:fs/promises"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { SourcesApi } from "@starform/domain"
import { Context, Data, Effect, Layer, Stream } from "effect"

/**
 * Where uploaded source archives live: one `SourceStore` (object storage in production; the embedded default, here,
 * is a folder: `STARFORM_HOME/sources/<project>/<upload>.tar.gz`). An archive is written to a temporary name and
 * renamed once whole, so a reader never sees half of one; one that passes the limit is stopped and deleted.
 */

export class SourceTooLarge extends Data.TaggedError("SourceTooLarge")<{ readonly sizeBytes: number }> {}

export interface Stored {
  readonly sizeBytes: number
  readonly sha256: string
}

export interface Key {
  readonly projectId: string
  readonly id: string
}

/** `STARFORM_HOME/sources`, else `.starform/sources` in the checkout (as `npm start` keeps its other files). */
export const SourcesDirectory = Context.Reference<string>("starform/builds/SourcesDirectory", {
  defaultValue: () =>
    join(process.env.STARFORM_HOME ?? fileURLToPath(new URL("../../../../.starform", import.meta.url)), "sources"),
})

const safe = (part: string) => part.replace(/[^A-Za-z0-9_-]/g, "")

export class SourceStore extends Context.Service<
  SourceStore,
  {
    /** Stores `body`; fails `SourceTooLarge` (nothing kept) once it passes `SourcesApi.maxBytes`. */
    readonly put: <E>(key: Key, body: Stream.Stream<Uint8Array, E>) => Effect.Effect<Stored, SourceTooLarge | E>
    /** The archive's bytes, or null when it is not stored (expired or never uploaded). */
    readonly read: (key: Key) => Effect.Effect<Stream.Stream<Uint8Array> | null>
    readonly remove: (key: Key) => Effect.Effect<void>
  }
>()("starform/builds/SourceStore") {
  static readonly layer = Layer.effect(
    SourceStore,
    Effect.gen(function* () {
      const root = yield* SourcesDirectory
      const pathOf = (key: Key) => join(root, safe(key.projectId), `${safe(key.id)}.tar.gz`)

      const put = <E>(key: Key, body: Stream.Stream<Uint8Array, E>) =>
        Effect.gen(function* () {
          const path = pathOf(key)
          const partial = `${path}.partial`
          yield* Effect.promise(() => mkdir(join(root, safe(key.projectId)), { recursive: true }))
          const file = yield* Effect.acquireRelease(
            Effect.promise(() => open(partial, "w")),
            (handle) => Effect.promise(() => handle.close()),
          )
          const hash = createHash("sha256")
          let size = 0
          yield* Stream.runForEach(body, (chunk) =>
            Effect.gen(function* () {
              size += chunk.byteLength
              if (size > SourcesApi.maxBytes) return yield* new SourceTooLarge({ sizeBytes: size })
              hash.update(chunk)
              yield* Effect.promise(() => file.write(chunk))
            }),
          ).pipe(Effect.onError(() => Effect.promise(() => rm(partial, { force: true }))))
          yield* Effect.promise(() => file.close())
          yield* Effect.promise(() => rename(partial, path))
          return { sizeBytes: size, sha256: hash.digest("hex") }
        }).pipe(Effect.scoped)

      return SourceStore.of({
        put,
        read: (key) =>
          Effect.promise(() =>
            stat(pathOf(key)).then(
              (): Stream.Stream<Uint8Array> =>
                Stream.fromAsyncIterable(
                  createReadStream(pathOf(key)) as AsyncIterable<Uint8Array>,
                  (error) => error,
                ).pipe(Stream.orDie),
              () => null,
            ),
          ),
        remove: (key) => Effect.promise(() => rm(pathOf(key), { force: true })),
      })
    }),
  )
}
