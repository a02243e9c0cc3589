import { type Ids, WorkspacesAccessApi } from "@starform/domain"
import { Exit } from "effect"
import * as React from "react"
import { Api } from "../api/Client.ts"
import * as Input from "../api/Input.ts"
import * as Problems from "../api/Problems.ts"
import { useAtomRun, useAtomValue } from "../atom/Hooks.ts"
import { Field, FormError, text, useSubmit } from "../ui/Form.tsx"
import { Loaded } from "../ui/Loaded.tsx"
import { when } from "../ui/When.ts"

const tokensKey = (workspaceId: string) => `tokens:${workspaceId}`

/** The scope presets a person picks from here; single actions stay an API matter. */
const presets = [
  ["read_only", "Read only"],
  ["deploy", "Deploy (read, deploy, roll back, cancel)"],
] as const

/**
 * The workspace's API tokens: create one (its secret is shown this once, with a copy button, and never again),
 * list them with prefix, scopes and last use, and revoke one (it stops working at once).
 */
export const Tokens = ({ workspaceId }: { readonly workspaceId: Ids.WorkspaceId }) => {
  const tokens = useAtomValue(
    Api.query("access", "listTokens", { params: { workspaceId }, reactivityKeys: [tokensKey(workspaceId)] }),
  )
  const create = useAtomRun(Api.mutation("access", "createToken"))
  const revoke = useAtomRun(Api.mutation("access", "revokeToken"))
  const [created, setCreated] = React.useState<WorkspacesAccessApi.CreatedToken | undefined>(undefined)
  const [copied, setCopied] = React.useState(false)
  const [revokeProblem, setRevokeProblem] = React.useState<Problems.Problem | undefined>(undefined)
  const form = useSubmit(
    async (data) => {
      const days = text(data, "expiresInDays")
      const payload = Input.decode(WorkspacesAccessApi.CreateTokenRequest, {
        name: text(data, "name"),
        scopes: [text(data, "scopes")],
        ...(days === "" ? {} : { expiresInDays: Number(days) }),
      })
      if (!payload.ok) return payload.problem
      const exit = await create({
        params: { workspaceId },
        payload: payload.value,
        reactivityKeys: [tokensKey(workspaceId)],
      })
      setCopied(false)
      setCreated(Exit.isSuccess(exit) ? exit.value : undefined)
      return Problems.fromExit(exit)
    },
    { resetOnSuccess: true },
  )
  const copy = (secret: string) => {
    void navigator.clipboard.writeText(secret).then(
      () => setCopied(true),
      () => setCopied(false),
    )
  }
  return (
    <section aria-labelledby="tokens">
      <h2 id="tokens">API tokens</h2>
      {created !== undefined && (
        <div className="banner" role="status">
          <p>
            Token <strong>{created.token.name}</strong> created. Copy its secret now: it is shown this once.
          </p>
          <p className="row-actions">
            <code className="mono" data-secret>
              {created.secret}
            </code>
            <button type="button" onClick={() => copy(created.secret)}>
              {copied ? "Copied" : "Copy secret"}
            </button>
            <button type="button" className="secondary" onClick={() => setCreated(undefined)}>
              Done
            </button>
          </p>
        </div>
      )}
      <Loaded result={tokens}>
        {(list) =>
          list.length === 0 ? (
            <p className="muted">No API tokens yet.</p>
          ) : (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Prefix</th>
                    <th scope="col">Scopes</th>
                    <th scope="col">Last used</th>
                    <th scope="col">State</th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((token) => (
                    <tr key={token.id} data-token={token.name}>
                      <td>{token.name}</td>
                      <td className="mono">{token.tokenPrefix}…</td>
                      <td>{token.scopes.join(", ")}</td>
                      <td>{token.lastUsedAt === null ? "never" : when(token.lastUsedAt)}</td>
                      <td>
                        {token.revokedAt !== null ? (
                          "revoked"
                        ) : (
                          <button
                            type="button"
                            className="secondary"
                            onClick={() =>
                              void revoke({
                                params: { tokenId: token.id },
                                reactivityKeys: [tokensKey(workspaceId)],
                              }).then((exit) => setRevokeProblem(Problems.fromExit(exit)))
                            }
                          >
                            Revoke {token.name}
                          </button>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Loaded>
      <FormError problem={revokeProblem} />
      <h3>New token</h3>
      <form onSubmit={form.onSubmit} noValidate className="row-form">
        <Field label="Token name" name="name" required problem={form.problem} />
        <div className="field">
          <label htmlFor="token-scopes">Permissions</label>
          <select id="token-scopes" name="scopes" defaultValue="deploy">
            {presets.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <Field
          label="Expires in days"
          name="expiresInDays"
          type="number"
          min={1}
          max={365}
          problem={form.problem}
          hint="Empty: never."
        />
        <button type="submit" disabled={form.busy}>
          {form.busy ? "Creating…" : "Create token"}
        </button>
      </form>
      <FormError problem={form.problem} />
    </section>
  )
}
