import { Identity, Ids, WorkspacesApi } from "@starform/domain"
import { type Exit, Option } from "effect"
import * as React from "react"
import { Api } from "../api/Client.ts"
import * as Input from "../api/Input.ts"
import * as Problems from "../api/Problems.ts"
import { can, type Role, useWorkspaceRole } from "../api/Role.ts"
import { useAtomRun, useAtomValue } from "../atom/Hooks.ts"
import { Field, FormError, text, useSubmit } from "../ui/Form.tsx"
import { Loaded, NotFound } from "../ui/Loaded.tsx"
import { Link } from "../ui/Router.tsx"
import { Shell } from "../ui/Shell.tsx"
import { day } from "../ui/When.ts"
import { Tokens } from "./Tokens.tsx"

const membersKey = (workspaceId: string) => `members:${workspaceId}`
const invitationsKey = (workspaceId: string) => `invitations:${workspaceId}`

/**
 * `/w/:workspaceId/settings`: members and their roles, open invitations, API tokens, and the way to the audit log.
 * Each part shows only what the person's role may do: a viewer sees the members and nothing to change.
 */
export const WorkspaceSettings = ({ workspaceId: raw }: { readonly workspaceId: string }) => {
  const workspaceId = Input.idFrom(Ids.WorkspaceId, raw)
  return (
    <Shell workspaceId={raw}>
      {Option.isSome(workspaceId) ? <Settings workspaceId={workspaceId.value} /> : <NotFound />}
    </Shell>
  )
}

const Settings = ({ workspaceId }: { readonly workspaceId: Ids.WorkspaceId }) => {
  const workspace = useAtomValue(Api.query("workspaces", "getWorkspace", { params: { workspaceId } }))
  const role = useWorkspaceRole(workspaceId)
  return (
    <Loaded result={workspace}>
      {(ws) => (
        <>
          <h1>{ws.name} settings</h1>
          <p className="muted">
            Your role here: <strong data-role={role}>{role ?? "…"}</strong>
            {can.audit(role) && (
              <>
                {" · "}
                <Link to={`/w/${workspaceId}/audit`}>Audit log</Link>
              </>
            )}
          </p>
          {role !== undefined && <Members workspaceId={workspaceId} role={role} />}
          {can.manageMembers(role) && <Invitations workspaceId={workspaceId} />}
          {can.tokens(role) && <Tokens workspaceId={workspaceId} />}
        </>
      )}
    </Loaded>
  )
}

const Members = ({ workspaceId, role }: { readonly workspaceId: Ids.WorkspaceId; readonly role: Role }) => {
  const members = useAtomValue(
    Api.query("workspaces", "listMembers", { params: { workspaceId }, reactivityKeys: [membersKey(workspaceId)] }),
  )
  const update = useAtomRun(Api.mutation("workspaces", "updateMember"))
  const remove = useAtomRun(Api.mutation("workspaces", "removeMember"))
  const [problem, setProblem] = React.useState<Problems.Problem | undefined>(undefined)
  const manage = can.manageMembers(role)
  const run = async (exit: Promise<Exit.Exit<unknown, Problems.ApiErrorShape>>) =>
    setProblem(Problems.fromExit(await exit))
  return (
    <section aria-labelledby="members">
      <h2 id="members">Members</h2>
      <Loaded result={members}>
        {(list) => (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Email</th>
                  <th scope="col">Role</th>
                  {manage && <th scope="col">Actions</th>}
                </tr>
              </thead>
              <tbody>
                {list.map((member) => (
                  <tr key={member.userId} data-email={member.email}>
                    <td>{member.name}</td>
                    <td>{member.email}</td>
                    <td>
                      {manage ? (
                        <select
                          aria-label={`Role of ${member.email}`}
                          value={member.role}
                          onChange={(event) => {
                            const next = Input.decode(WorkspacesApi.UpdateMemberRequest, { role: event.target.value })
                            if (!next.ok) return setProblem(next.problem)
                            void run(
                              update({
                                params: { workspaceId, userId: member.userId },
                                payload: next.value,
                                reactivityKeys: [membersKey(workspaceId)],
                              }),
                            )
                          }}
                        >
                          {Identity.workspaceRoles.map((r) => (
                            <option key={r} value={r}>
                              {r}
                            </option>
                          ))}
                        </select>
                      ) : (
                        member.role
                      )}
                    </td>
                    {manage && (
                      <td>
                        <button
                          type="button"
                          className="secondary"
                          onClick={() =>
                            void run(
                              remove({
                                params: { workspaceId, userId: member.userId },
                                reactivityKeys: [membersKey(workspaceId)],
                              }),
                            )
                          }
                        >
                          Remove {member.email}
                        </button>
                      </td>
                    )}
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

const Invitations = ({ workspaceId }: { readonly workspaceId: Ids.WorkspaceId }) => {
  const invitations = useAtomValue(
    Api.query("workspaces", "listInvitations", {
      params: { workspaceId },
      reactivityKeys: [invitationsKey(workspaceId)],
    }),
  )
  const invite = useAtomRun(Api.mutation("workspaces", "invite"))
  const revoke = useAtomRun(Api.mutation("workspaces", "revokeInvitation"))
  const [revokeProblem, setRevokeProblem] = React.useState<Problems.Problem | undefined>(undefined)
  const form = useSubmit(
    async (data) => {
      const payload = Input.decode(WorkspacesApi.InviteRequest, {
        email: text(data, "email"),
        role: text(data, "role"),
      })
      if (!payload.ok) return payload.problem
      const exit = await invite({
        params: { workspaceId },
        payload: payload.value,
        reactivityKeys: [invitationsKey(workspaceId)],
      })
      return Problems.fromExit(exit)
    },
    { resetOnSuccess: true },
  )
  return (
    <section aria-labelledby="invitations">
      <h2 id="invitations">Invitations</h2>
      <Loaded result={invitations}>
        {(list) =>
          list.length === 0 ? (
            <p className="muted">No open invitations.</p>
          ) : (
            <ul className="variables">
              {list.map((invitation) => (
                <li key={invitation.id} className="variable" data-invited={invitation.email}>
                  <span>
                    {invitation.email} as <strong>{invitation.role}</strong>, until {day(invitation.expiresAt)}
                  </span>
                  <button
                    type="button"
                    className="secondary"
                    onClick={() =>
                      void revoke({
                        params: { invitationId: invitation.id },
                        reactivityKeys: [invitationsKey(workspaceId)],
                      }).then((exit) => setRevokeProblem(Problems.fromExit(exit)))
                    }
                  >
                    Revoke invitation of {invitation.email}
                  </button>
                </li>
              ))}
            </ul>
          )
        }
      </Loaded>
      <FormError problem={revokeProblem} />
      <h3>Invite someone</h3>
      <form onSubmit={form.onSubmit} noValidate className="row-form">
        <Field label="Email to invite" name="email" type="email" required problem={form.problem} />
        <div className="field">
          <label htmlFor="invite-role">Role</label>
          <select id="invite-role" name="role" defaultValue="developer">
            {Identity.workspaceRoles.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
          {form.problem?.fields.role !== undefined && (
            <small className="field-error" role="alert">
              {form.problem.fields.role}
            </small>
          )}
        </div>
        <button type="submit" disabled={form.busy}>
          {form.busy ? "Inviting…" : "Send invitation"}
        </button>
      </form>
      <FormError problem={form.problem} />
    </section>
  )
}
