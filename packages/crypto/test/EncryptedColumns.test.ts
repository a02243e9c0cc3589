import { randomBytes } from "node:crypto"
import { expect, layer } from "@effect/vitest"
import { Catalog, DecryptionFailed, Envelope, FieldCrypto } from "@starform/crypto"
import { Fixtures, TestDatabase } from "@starform/testkit"
import { Effect, Layer, Predicate } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"

/**
 * Against the migrated schema: every catalogued column really holds ciphertext after a write, the database
 * itself refuses a plaintext there, and the catalog and the schema list the same `*_ciphertext` columns.
 */

type Write = (ciphertext: string) => Effect.Effect<{ readonly id: string }, SqlError, SqlClient.SqlClient>

/** How a row carrying each column is written (parents made by the fixtures); a catalog entry without one fails tsc. */
const writers: Record<Catalog.Entry["name"], Write> = {
  "var_group_entries.value_ciphertext": (valueCiphertext) => Fixtures.varGroupEntry({ valueCiphertext }),
  "service_variables.value_ciphertext": (valueCiphertext) => Fixtures.serviceVariable({ valueCiphertext }),
  "databases.password_ciphertext": (passwordCiphertext) => Fixtures.database({ passwordCiphertext }),
  "buckets.secret_access_key_ciphertext": (secretAccessKeyCiphertext) => Fixtures.bucket({ secretAccessKeyCiphertext }),
  "github_installations.access_token_ciphertext": (accessTokenCiphertext) =>
    Fixtures.githubInstallation({ accessTokenCiphertext }),
  "cloud_credentials.secret_ciphertext": (secretCiphertext) => Fixtures.cloudCredential({ secretCiphertext }),
  "clusters.kubeconfig_ciphertext": (kubeconfigCiphertext) => Fixtures.cluster({ kubeconfigCiphertext }),
  "users.totp_secret_ciphertext": (totpSecretCiphertext) => Fixtures.user({ totpSecretCiphertext }),
  "deployments.variables_ciphertext": (variablesCiphertext) => Fixtures.deployment({ variablesCiphertext }),
}

/** A secret of the kind each column holds. */
const samples: Record<Catalog.Entry["name"], string> = {
  "var_group_entries.value_ciphertext": "sk_live_51HvQ2eKZ8rJ3s9x",
  "service_variables.value_ciphertext": "postgres://app:s3cr3t@db.internal:5432/app?sslmode=require",
  "databases.password_ciphertext": randomBytes(24).toString("base64url"),
  "buckets.secret_access_key_ciphertext": randomBytes(30).toString("base64"),
  "github_installations.access_token_ciphertext": `ghs_${randomBytes(27).toString("base64url")}`,
  "cloud_credentials.secret_ciphertext": `dop_v1_${randomBytes(32).toString("hex")}`,
  "clusters.kubeconfig_ciphertext": [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: doks-nyc3",
    "  cluster:",
    "    server: https://k8s.starform.test",
    `    certificate-authority-data: ${randomBytes(48).toString("base64")}`,
    "users:",
    "- name: starform",
    `  user: { token: ${randomBytes(32).toString("hex")} }`,
    "",
  ].join("\n"),
  "users.totp_secret_ciphertext": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
  "deployments.variables_ciphertext": JSON.stringify({
    DATABASE_URL: "postgres://app:s3cr3t@db.internal:5432/app",
    STRIPE_KEY: "sk_live_51HvQ2eKZ8rJ3s9x",
  }),
}

/** The constraint a statement was refused by; a test failure if the statement was accepted. */
const refusal = <A, R>(statement: Effect.Effect<A, SqlError, R>) =>
  statement.pipe(
    Effect.flatMap(() => Effect.die(new Error("the statement was accepted, but it should have been refused"))),
    Effect.catchTag("SqlError", (error) => {
      const cause = error.reason.cause
      return Effect.succeed(Predicate.hasProperty(cause, "constraint") ? String(cause.constraint) : error.message)
    }),
  )

const TestLayer = Layer.mergeAll(TestDatabase.layer, FieldCrypto.layerFromKeys(randomBytes(32)))

layer(TestLayer)("encrypted columns in PostgreSQL", (it) => {
  it.effect(
    "the catalog lists exactly the *_ciphertext columns of the migrated schema, each text with the envelope CHECK",
    () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const columns = yield* sql<{ readonly name: string; readonly dataType: string }>`
        SELECT table_name || '.' || column_name AS name, data_type
        FROM information_schema.columns
        WHERE table_schema = 'public' AND right(column_name, 11) = '_ciphertext'
        ORDER BY 1`
        expect(columns.map((column) => column.name)).toEqual(Catalog.all.map((entry) => entry.name).sort())
        expect(new Set(columns.map((column) => column.dataType))).toEqual(new Set(["text"]))

        for (const entry of Catalog.all) {
          const checks = yield* sql<{ readonly definition: string }>`
          SELECT pg_get_constraintdef(k.oid) AS definition
          FROM pg_constraint k
          JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = ANY (k.conkey)
          WHERE k.contype = 'c' AND k.conrelid = ${entry.table}::regclass AND a.attname = ${entry.column}`
          // The database's pattern is the one Envelope.pattern parses: a change to either shows here.
          expect(
            checks.some((check) => check.definition.includes(`'${Envelope.pattern.source}'`)),
            `${entry.name} has no CHECK with the envelope pattern`,
          ).toBe(true)
        }
      }),
  )

  for (const entry of Catalog.all) {
    it.effect(`${entry.name} holds an envelope that decrypts to what was written`, () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const crypto = yield* FieldCrypto
        const plaintext = samples[entry.name]
        const row = yield* writers[entry.name](yield* crypto.encrypt(plaintext, entry))

        const [stored] = yield* sql<{ readonly value: string | null }>`
          SELECT ${sql(entry.column)} AS value FROM ${sql(entry.table)} WHERE id = ${row.id}`
        const raw = stored?.value
        expect(typeof raw).toBe("string")
        expect(raw).toMatch(Envelope.pattern)
        expect(raw).not.toBe(plaintext)
        expect(raw).not.toContain(plaintext)
        expect(raw!.split(":")[2]).toBe(crypto.keyId)
        expect(yield* crypto.decrypt(raw!, entry)).toBe(plaintext)

        // Copied into any other catalogued column, the value does not open.
        const elsewhere = Catalog.all.find((other) => other !== entry)!
        expect(yield* Effect.flip(crypto.decrypt(raw!, elsewhere))).toBeInstanceOf(DecryptionFailed)
      }),
    )

    it.effect(`${entry.name} refuses a plaintext`, () =>
      Effect.gen(function* () {
        const write = writers[entry.name]
        const constraint = `${entry.table}_${entry.column}_envelope`
        expect(yield* refusal(write(samples[entry.name]))).toBe(constraint)
        // Text that only starts like an envelope is refused too.
        expect(yield* refusal(write(`enc:v1:${samples[entry.name]}`))).toBe(constraint)
      }),
    )
  }
})
