import { Ids, WorkspacesAccessApi } from "@starform/domain"
import { Option } from "effect"
import * as React from "react"
import { Api } from "../api/Client.ts"
import * as Input from "../api/Input.ts"
import type * as Problems from "../api/Problems.ts"
import { useAtomValue } from "../atom/Hooks.ts"
import { Field, FormError, text, useSubmit } from "../ui/Form.tsx"
import { Loaded, NotFound } from "../ui/Loaded.tsx"
import { Link, useLocation } from "../ui/Router.tsx"
import { Shell } from "../ui/Shell.tsx"
import { when } from "../ui/When.ts"

/** Entries per page, unless the address asks for another number (`?limit=5`, 1 to 200). */
export const auditPageSize = 20

const pageSizeFrom = (limit: string | null) => {
  const n = Number(limit)
  return limit !== null && Number.isInteger(n) && n >= 1 && n <= 200 ? n : auditPageSize
}

/**
 * `/w/:workspaceId/audit`: the workspace's audit log, newest first, filtered by action and paged by the API's
 * cursor (Newer goes back through the cursors already seen). Owners and admins only: others see the API's refusal.
 */
export const AuditLog = ({ workspaceId: raw }: { readonly workspaceId: string }) => {
  const workspaceId = Input.idFrom(Ids.WorkspaceId, raw)
  return (
    <Shell workspaceId={raw}>
      {Option.isSome(workspaceId) ? <Log workspaceId={workspaceId.value} /> : <NotFound />}
    </Shell>
  )
}

const Log = ({ workspaceId }: { readonly workspaceId: Ids.WorkspaceId }) => {
  const [action, setAction] = React.useState<string | undefined>(undefined)
  /** The cursors of the pages before this one; the last is this page's. */
  const [cursors, setCursors] = React.useState<ReadonlyArray<string>>([])
  const cursor = cursors.at(-1)
  const limit = pageSizeFrom(useLocation().query.get("limit"))
  const page = useAtomValue(
    Api.query("access", "listAuditLog", {
      params: { workspaceId },
      query: {
        limit,
        ...(action === undefined ? {} : { action }),
        ...(cursor === undefined ? {} : { cursor }),
      },
    }),
  )
  const filter = useSubmit(async (data): Promise<Problems.Problem | undefined> => {
    const wanted = text(data, "action").trim()
    if (wanted === "") {
      setAction(undefined)
      setCursors([])
      return undefined
    }
    const checked = Input.decode(WorkspacesAccessApi.AuditQuery, { action: wanted })
    if (!checked.ok) return checked.problem
    setAction(checked.value.action)
    setCursors([])
    return undefined
  })
  return (
    <>
      <p className="crumbs">
        <Link to={`/w/${workspaceId}/settings`}>Back to settings</Link>
      </p>
      <h1>Audit log</h1>
      <form onSubmit={filter.onSubmit} noValidate className="row-form" aria-label="Filter the audit log">
        <Field label="Action" name="action" problem={filter.problem} hint="e.g. token.create; empty: every action." />
        <button type="submit">Filter</button>
      </form>
      <FormError problem={filter.problem} />
      <Loaded result={page}>
        {(found) => (
          <>
            {found.entries.length === 0 ? (
              <p className="muted">No entries.</p>
            ) : (
              <div className="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">When</th>
                      <th scope="col">Action</th>
                      <th scope="col">Actor</th>
                      <th scope="col">Target</th>
                      <th scope="col">Outcome</th>
                    </tr>
                  </thead>
                  <tbody>
                    {found.entries.map((entry) => (
                      <tr key={entry.id} data-action={entry.action}>
                        <td>{when(entry.occurredAt)}</td>
                        <td className="mono">{entry.action}</td>
                        <td>
                          {entry.actorType}
                          {entry.actorId === null ? "" : ` ${entry.actorId}`}
                        </td>
                        <td>{entry.targetType === null ? "" : `${entry.targetType} ${entry.targetId ?? ""}`}</td>
                        <td>{entry.outcome}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            <nav className="actions" aria-label="Pages">
              <button
                type="button"
                className="secondary"
                disabled={cursors.length === 0}
                onClick={() => setCursors(cursors.slice(0, -1))}
              >
                Newer
              </button>
              <span className="muted" data-page={cursors.length + 1}>
                Page {cursors.length + 1}
              </span>
              <button
                type="button"
                className="secondary"
                disabled={found.nextCursor === null}
                onClick={() => found.nextCursor !== null && setCursors([...cursors, found.nextCursor])}
              >
                Older
              </button>
            </nav>
          </>
        )}
      </Loaded>
    </>
  )
}
