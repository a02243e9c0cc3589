import { Schema } from "effect"
import { SourceUploadId } from "../Ids.ts"

/**
 * Source uploads: the gzipped tar of a folder that `starform up` sends to be built like a commit. The limit is the
 * one place both sides read: the CLI refuses a larger archive before sending a byte, the gateway and the builds
 * service refuse one that claims or turns out to be larger (413, naming both sizes).
 */

/** The largest archive accepted, in bytes (100 MiB). */
export const maxBytes = 100 * 1024 * 1024

/** The media type of an upload's body. */
export const contentType = "application/gzip"

/** How long an upload stays fetchable by its build. */
export const lifetimeMs = 24 * 60 * 60 * 1000

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`

/** The message of a refusal for size, in the words the CLI also prints. */
export const tooLargeMessage = (sizeBytes: number | null) =>
  sizeBytes === null
    ? `The source archive is larger than the limit of ${mib(maxBytes)} (${maxBytes} bytes).`
    : `The source archive is ${mib(sizeBytes)} (${sizeBytes} bytes), larger than the limit of ${mib(maxBytes)} (${maxBytes} bytes).`

export const SourceUploadView = Schema.Struct({
  id: SourceUploadId.annotate({ description: "The upload's id: deploy it with `sourceUploadId`." }),
  sizeBytes: Schema.Int.annotate({ description: "The archive's size in bytes." }),
  sha256: Schema.String.annotate({ description: "The archive's SHA-256, hex." }),
}).annotate({
  identifier: "SourceUpload",
  description: "A folder's gzipped tar, stored to be built like a commit (deploy it with `sourceUploadId`).",
})
export type SourceUploadView = typeof SourceUploadView.Type
