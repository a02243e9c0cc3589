import { createReadStream } from "node:fs"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { SourcesApi } from "@starform/domain"
import { Console, Effect, Stream } from "effect"
import { Command } from "effect/cli"
import { exitCodes, fail } from "../Failure.ts"
import * as Follow from "../Follow.ts"
import * as Pack from "../Pack.ts"
import * as Target from "../Target.ts"

/**
 * `starform up`: packs this folder (see `Pack`), uploads it to the service and deploys it, built like a commit;
 * follows the build log and the deployment until it is active (exit 0) or fails (exit 10 with the reason).
 * `STARFORM_UP_LIMIT_BYTES` can lower the size limit (never raise it past the API's).
 */

const limitOf = () => {
  const own = Number(process.env.STARFORM_UP_LIMIT_BYTES)
  return Number.isInteger(own) && own > 0 ? Math.min(own, SourcesApi.maxBytes) : SourcesApi.maxBytes
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`

export const up = Command.make(
  "up",
  { service: Target.serviceFlag, detach: Follow.detachFlag, json: Target.jsonFlag },
  ({ service, detach, json }) =>
    Effect.gen(function* () {
      const { client, service: target } = yield* Target.service(service)
      const root = process.cwd()
      const entries = yield* Effect.promise(() => Pack.list(root))
      if (entries.length === 0) return yield* fail(exitCodes.rejected, "This folder has no files to deploy.")
      const folder = yield* Effect.acquireRelease(
        Effect.promise(() => mkdtemp(join(tmpdir(), "starform-up-"))),
        (path) => Effect.promise(() => rm(path, { recursive: true, force: true })),
      )
      const packed = yield* Pack.pack(root, entries, join(folder, "source.tar.gz"), limitOf())
      yield* Console.error(`Packed ${packed.files} files: ${mib(packed.sizeBytes)}; uploading…`)
      const upload = yield* client.builds.uploadSource({
        params: { serviceId: target.id },
        payload: Stream.fromAsyncIterable(createReadStream(packed.file) as AsyncIterable<Uint8Array>, (error) =>
          fail(exitCodes.unexpected, `Could not read the packed folder: ${String(error)}`),
        ),
      })
      yield* Console.error(`Uploaded ${upload.id} (sha256 ${upload.sha256.slice(0, 12)}).`)
      const deployment = yield* client.deployments.createDeployment({
        params: { serviceId: target.id },
        payload: { sourceUploadId: upload.id },
        headers: {},
      })
      yield* Follow.report(client, deployment, { json, detach })
    }).pipe(Effect.scoped),
).pipe(
  Command.withDescription("Deploy this folder without GitHub: pack, upload, build and wait until it is active"),
  Command.withExamples([
    { command: "starform up", description: "Deploy the folder to the linked service and follow the build" },
    { command: "starform up --service web --detach", description: "Upload and return once the deployment is created" },
  ]),
)
