import { IdentityMeApi } from "@starform/domain"
import { Exit, Schema } from "effect"
import * as React from "react"
import { Api } from "../api/Client.ts"
import * as Problems from "../api/Problems.ts"
import { useAtomRun, useAtomValue } from "../atom/Hooks.ts"
import { FormError } from "../ui/Form.tsx"
import { Loaded } from "../ui/Loaded.tsx"
import { Shell } from "../ui/Shell.tsx"
import { when } from "../ui/When.ts"

const sessionsKey = "sessions"

const encodeExport = Schema.encodeSync(Schema.fromJsonString(IdentityMeApi.AccountExport))

/** `/account`: who is signed in, the signed-in devices (revoke one), and a download of everything kept (GDPR). */
export const Account = () => {
  const me = useAtomValue(Api.query("me", "getMe", {}))
  return (
    <Shell>
      <h1>Account</h1>
      <Loaded result={me}>
        {(user) => (
          <dl className="facts">
            <dt>Name</dt>
            <dd>{user.name}</dd>
            <dt>Email</dt>
            <dd>{user.email}</dd>
          </dl>
        )}
      </Loaded>
      <Sessions />
      <DataExport />
    </Shell>
  )
}

const Sessions = () => {
  const sessions = useAtomValue(Api.query("me", "listSessions", { reactivityKeys: [sessionsKey] }))
  const revoke = useAtomRun(Api.mutation("me", "revokeSession"))
  const [problem, setProblem] = React.useState<Problems.Problem | undefined>(undefined)
  return (
    <section aria-labelledby="sessions">
      <h2 id="sessions">Signed-in devices</h2>
      <Loaded result={sessions}>
        {(list) => (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Device</th>
                  <th scope="col">Address</th>
                  <th scope="col">Signed in</th>
                  <th scope="col">Last used</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {list.map((session) => (
                  <tr key={session.id} data-session={session.id} data-current={session.current}>
                    <td>{session.userAgent ?? "unknown"}</td>
                    <td>{session.ip ?? "unknown"}</td>
                    <td>{when(session.createdAt)}</td>
                    <td>{session.lastUsedAt === null ? "not yet" : when(session.lastUsedAt)}</td>
                    <td>
                      {session.current ? (
                        "This device"
                      ) : (
                        <button
                          type="button"
                          className="secondary"
                          onClick={() =>
                            void revoke({ params: { sessionId: session.id }, reactivityKeys: [sessionsKey] }).then(
                              (exit) => setProblem(Problems.fromExit(exit)),
                            )
                          }
                        >
                          Sign out this device
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Loaded>
      <FormError problem={problem} />
    </section>
  )
}

/** Fetches the export and hands it to the browser as a file: nothing of it stays in the page. */
const DataExport = () => {
  const fetchExport = useAtomRun(Api.mutation("me", "exportAccount"))
  const [busy, setBusy] = React.useState(false)
  const [problem, setProblem] = React.useState<Problems.Problem | undefined>(undefined)
  const download = () => {
    setBusy(true)
    void fetchExport({})
      .then((exit) => {
        setProblem(Problems.fromExit(exit))
        if (Exit.isFailure(exit)) return
        const url = URL.createObjectURL(new Blob([encodeExport(exit.value)], { type: "application/json" }))
        const link = document.createElement("a")
        link.href = url
        link.download = `starform-account-${new Date().toISOString().slice(0, 10)}.json`
        link.click()
        setTimeout(() => URL.revokeObjectURL(url), 10_000)
      })
      .finally(() => setBusy(false))
  }
  return (
    <section aria-labelledby="export">
      <h2 id="export">Your data</h2>
      <p className="muted">
        Everything Starform keeps about you (account, sessions, memberships, tokens without secrets, audit entries) as
        one JSON file.
      </p>
      <button type="button" onClick={download} disabled={busy}>
        {busy ? "Preparing…" : "Download my data"}
      </button>
      <FormError problem={problem} />
    </section>
  )
}
