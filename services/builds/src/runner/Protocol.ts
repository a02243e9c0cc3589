import type { Fault } from "../Faults.ts"
import type { Event } from "../Machine.ts"

/**
 * How the build runner reports to Starform: marker lines in its output (everything else is the build's log), and
 * its exit code when it writes no fault marker. Pure; the runner's script (`Job.ts`) writes these lines.
 *
 *   ::starform phase=building
 *   ::starform pushed digest=sha256:<64 hex> size=<bytes>
 *   ::starform fault=build-command exit=2 <detail>
 */

export const prefix = "::starform "

export const faultCodes = {
  "clone-network": "CloneNetworkError",
  "source-unavailable": "SourceUnavailable",
  "build-command": "BuildCommandFailed",
  dockerfile: "DockerfileError",
  "no-plan": "NoBuildPlan",
  registry: "RegistryUnavailable",
  "image-too-large": "ImageTooLarge",
} as const

export type FaultCode = keyof typeof faultCodes

export type Marker =
  | { readonly _tag: "Phase"; readonly phase: "cloning" | "building" | "pushing" }
  | { readonly _tag: "Pushed"; readonly digest: string; readonly sizeBytes: number }
  | { readonly _tag: "Fault"; readonly code: FaultCode; readonly exitCode: number | null; readonly detail: string }

const field = (text: string, name: string) => new RegExp(`(?:^|\\s)${name}=(\\S+)`).exec(text)?.[1]

/** The marker on a line, or undefined for an ordinary log line (or a malformed marker, which is logged as is). */
export const parse = (line: string): Marker | undefined => {
  if (!line.startsWith(prefix)) return undefined
  const rest = line.slice(prefix.length).trim()
  const phase = field(rest, "phase")
  if (phase === "cloning" || phase === "building" || phase === "pushing") return { _tag: "Phase", phase }
  if (rest.startsWith("pushed ")) {
    const digest = field(rest, "digest")
    const size = Number(field(rest, "size"))
    if (digest !== undefined && /^sha256:[0-9a-f]{64}$/.test(digest) && Number.isSafeInteger(size) && size >= 0)
      return { _tag: "Pushed", digest, sizeBytes: size }
    return undefined
  }
  const code = field(rest, "fault")
  if (code !== undefined && code in faultCodes) {
    const exit = field(rest, "exit")
    const detail = rest.replace(/(?:^|\s)(fault|exit|size|limit)=\S+/g, "").trim()
    return {
      _tag: "Fault",
      code: code as FaultCode,
      exitCode: exit === undefined || !/^\d+$/.test(exit) ? null : Number(exit),
      detail,
    }
  }
  return undefined
}

/** The fault a marker names, with what the build needs to word it (the build command, the size limit). */
export const faultOf = (
  marker: Extract<Marker, { readonly _tag: "Fault" }>,
  context: { readonly buildCommand: string | null; readonly imageSizeLimitBytes: number; readonly line: string },
): Fault => {
  const detail = marker.detail || "no detail given"
  switch (marker.code) {
    case "clone-network":
      return { _tag: "CloneNetworkError", detail }
    case "source-unavailable":
      return { _tag: "SourceUnavailable", detail }
    case "build-command":
      return { _tag: "BuildCommandFailed", exitCode: marker.exitCode ?? 1, command: context.buildCommand }
    case "dockerfile":
      return { _tag: "DockerfileError", detail }
    case "no-plan":
      return { _tag: "NoBuildPlan", detail }
    case "registry":
      return { _tag: "RegistryUnavailable", detail }
    case "image-too-large": {
      const size = Number(field(context.line.slice(prefix.length), "size"))
      return {
        _tag: "ImageTooLarge",
        sizeBytes: Number.isFinite(size) ? size : context.imageSizeLimitBytes + 1,
        limitBytes: context.imageSizeLimitBytes,
      }
    }
  }
}

/** How the runner's pod ended, as the cluster reports it. */
export type Ending =
  | { readonly _tag: "Exited"; readonly exitCode: number }
  /** The pod or Job vanished, was evicted, or the Job failed without its container ever finishing. */
  | { readonly _tag: "Lost"; readonly detail: string }

/**
 * The event a finished runner amounts to, given the markers it wrote. A runner that exits 0 without reporting its
 * image, or disappears, is lost (ours to retry); one that exits non-zero without naming a fault failed its build.
 */
export const ended = (
  ending: Ending,
  seen: {
    readonly pushed: Extract<Marker, { readonly _tag: "Pushed" }> | undefined
    readonly fault: Fault | undefined
  },
  image: { readonly imageRef: string; readonly buildCommand: string | null },
): Event => {
  if (seen.fault !== undefined) return { _tag: "Failed", fault: seen.fault }
  if (ending._tag === "Lost") return { _tag: "Failed", fault: { _tag: "RunnerLost", detail: ending.detail } }
  if (ending.exitCode === 0) {
    if (seen.pushed === undefined)
      return { _tag: "Failed", fault: { _tag: "RunnerLost", detail: "the runner exited without reporting its image" } }
    return {
      _tag: "Pushed",
      image: { imageRef: image.imageRef, imageDigest: seen.pushed.digest, sizeBytes: seen.pushed.sizeBytes },
    }
  }
  return {
    _tag: "Failed",
    fault: { _tag: "BuildCommandFailed", exitCode: ending.exitCode, command: image.buildCommand },
  }
}
