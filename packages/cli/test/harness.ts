import { spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { FieldCrypto } from "@starform/crypto"
import type { IdentityConfig } from "@starform/identity"
import { ControlPlane, LocalCluster } from "@starform/starbase"
import { Mailbox } from "@starform/testkit"
import { Effect, Layer } from "effect"

/**
 * The CLI as a person runs it: a spawned `node packages/cli/src/main.ts` against a Starbase this test started (on
 * the test database, with a simulated cluster that Shuttle reconciles, as `npm start` runs it).
 */

export const mainPath = fileURLToPath(new URL("../src/main.ts", import.meta.url))

/** One keyring for every Starbase of a test run: they share the database, so each must read the others' rows. */
const keys = randomBytes(32)

/** Starbase on free ports, with the simulated cluster registered and Shuttle running on it. */
export const start = (identity: Partial<IdentityConfig["Service"]> = {}) =>
  Effect.gen(function* () {
    const running = yield* ControlPlane.start({
      host: "127.0.0.1",
      port: 0,
      identityPort: 0,
      identity,
      logRequests: false,
    }).pipe(Effect.provide(FieldCrypto.layerFromKeys(keys)))
    const simulated = yield* Layer.build(LocalCluster.simulator)
    yield* LocalCluster.startShuttle(running.projectsUrl).pipe(Effect.provideContext(simulated))
    return running
  })

export interface Result {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** A person's machine: their own config folder and a project folder. */
export const machine = () => {
  const home = mkdtempSync(join(tmpdir(), "starform-cli-"))
  return { home, config: join(home, ".config"), folder: mkdtempSync(join(home, "app-")) }
}
export type Machine = ReturnType<typeof machine>

export interface RunOptions {
  readonly cwd?: string
  readonly env?: Record<string, string>
  /** Called with each chunk of stdout as it arrives (to answer a prompt such as the device code). */
  readonly onStdout?: (text: string) => void
  /** The CLI file to run (default: the sources' `main.ts`; the bench also runs the bundle). */
  readonly entry?: string
  /** Press Ctrl-C (SIGINT) once stdout matches. */
  readonly interruptWhen?: RegExp
}

/** Runs `starform <args>` on `on` against `apiUrl`; resolves when it exits. */
export const run = (on: Machine, apiUrl: string, args: ReadonlyArray<string>, options: RunOptions = {}) =>
  Effect.promise(
    () =>
      new Promise<Result>((resolve) => {
        const child = spawn(process.execPath, [options.entry ?? mainPath, ...args], {
          cwd: options.cwd ?? on.folder,
          env: {
            PATH: process.env.PATH ?? "",
            HOME: on.home,
            XDG_CONFIG_HOME: on.config,
            STARFORM_API_URL: apiUrl,
            ...options.env,
          },
        })
        let stdout = ""
        let stderr = ""
        child.stdout.on("data", (chunk: Buffer) => {
          stdout += chunk.toString()
          options.onStdout?.(stdout)
          if (options.interruptWhen?.test(stdout)) child.kill("SIGINT")
        })
        child.stderr.on("data", (chunk: Buffer) => {
          stderr += chunk.toString()
        })
        child.on("close", (code) => resolve({ code, stdout, stderr }))
      }),
  )

export interface Reply {
  readonly status: number
  // biome-ignore lint/suspicious/noExplicitAny: JSON bodies are asserted on by shape
  readonly body: any
}

/** One request to the gateway (what the person does in the dashboard). */
export const request = (baseUrl: string, method: string, path: string, body?: unknown, token?: string) =>
  Effect.promise(async (): Promise<Reply> => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const text = await response.text()
    return { status: response.status, body: text === "" ? undefined : JSON.parse(text) }
  })

let counter = 0

/** A person with an account, its address verified through the emailed link (deploying needs it), and a workspace they own. */
export const person = (baseUrl: string) =>
  Effect.gen(function* () {
    const email = `cli-${Date.now().toString(36)}-${counter++}@example.com`
    const signup = yield* request(baseUrl, "POST", "/v1/auth/signup", {
      email,
      password: "correct horse battery staple",
      name: "Ada Lovelace",
    })
    if (signup.status !== 201) throw new Error(`signup: ${signup.status} ${JSON.stringify(signup.body)}`)
    const token: string = signup.body.tokens.accessToken
    const mailed = yield* Mailbox.lastLink(email, "verify_email")
    const verified = yield* request(baseUrl, "POST", "/v1/auth/verify-email", { token: mailed.token })
    if (verified.status >= 300) throw new Error(`verify-email: ${verified.status} ${JSON.stringify(verified.body)}`)
    const workspace = yield* request(baseUrl, "POST", "/v1/workspaces", { name: `Acme ${counter}` }, token)
    if (workspace.status !== 201) throw new Error(`workspace: ${workspace.status}`)
    return { email, token, workspaceId: workspace.body.id as string }
  })

/** `starform login --browserless` on `on`, approved by `token`'s person as soon as the code is shown. */
export const login = (on: Machine, apiUrl: string, token: string) =>
  Effect.gen(function* () {
    let approval: Promise<Reply> | undefined
    const result = yield* run(on, apiUrl, ["login", "--browserless"], {
      onStdout: (text) => {
        const code = /Your code: (\S+)/.exec(text)?.[1]
        if (code !== undefined && approval === undefined) {
          approval = Effect.runPromise(request(apiUrl, "POST", "/v1/auth/device/approve", { user_code: code }, token))
        }
      },
    })
    const approved = yield* Effect.promise(() => approval ?? Promise.resolve(undefined))
    return { result, approved }
  })
