import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { createServer } from "node:https"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Kube } from "@starform/kube"
import { Effect } from "effect"

/** A self-signed certificate for 127.0.0.1, made with the machine's openssl. */
const certificate = () => {
  const dir = mkdtempSync(join(tmpdir(), "kube-tls-"))
  try {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
        "-keyout",
        join(dir, "key.pem"),
        "-out",
        join(dir, "cert.pem"),
      ],
      { stdio: "ignore" },
    )
    return { key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const names10 = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"]

describe("Kube over TLS", () => {
  it.effect("verifies the cluster's CA, sends the token on every request and reuses one connection", () =>
    Effect.gen(function* () {
      const { key, cert } = certificate()
      let connections = 0
      const authorizations: Array<string | undefined> = []
      const server = createServer({ key, cert }, (req, res) => {
        authorizations.push(req.headers.authorization)
        res.setHeader("Content-Type", "application/json")
        if (req.url === "/api/v1")
          res.end(
            JSON.stringify({
              kind: "APIResourceList",
              groupVersion: "v1",
              resources: [{ name: "namespaces", namespaced: false, kind: "Namespace", verbs: ["get"] }],
            }),
          )
        else
          res.end(
            JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: req.url?.split("/").pop() } }),
          )
      })
      server.on("secureConnection", () => connections++)
      yield* Effect.acquireRelease(
        Effect.promise(() => new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))),
        () =>
          Effect.promise(() => new Promise<void>((resolve) => server.close(() => resolve()))).pipe(
            Effect.tap(() => Effect.sync(() => server.closeAllConnections())),
          ),
      )
      const port = (server.address() as AddressInfo).port
      const layer = Kube.layerFromOptions({
        clusters: [{ name: "tls", server: `https://127.0.0.1:${port}`, caData: cert.toString("base64") }],
        users: [{ name: "u", token: "s3cr3t-token" }],
        contexts: [{ name: "tls", cluster: "tls", user: "u" }],
        currentContext: "tls",
      })
      const names = yield* Effect.gen(function* () {
        const kube = yield* Kube
        const out: Array<string | undefined> = []
        for (const name of names10)
          out.push((yield* kube.get({ apiVersion: "v1", kind: "Namespace", namespace: "", name })).metadata.name)
        return out
      }).pipe(Effect.provide(layer))
      expect(names).toEqual(names10)
      expect(authorizations.filter((a) => a !== "Bearer s3cr3t-token")).toEqual([])
      expect(authorizations).toHaveLength(11)
      // The client alone would open a connection per request; discovery has its own, and keep-alive hands
      // the rest to at most a couple.
      expect(connections).toBeLessThanOrEqual(3)
    }).pipe(Effect.scoped),
  )
})
