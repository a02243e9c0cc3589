import { describe, expect, it } from "@effect/vitest"
import { Auth } from "@starform/domain"
import { Policy } from "@starform/identity"

/**
 * The policy as a role × action matrix, written out here by hand: `x` allowed, `.` refused. Every action of the API
 * must have a row, so a new action cannot reach production without someone deciding who may do it.
 */
const matrix = `
action                   owner admin developer viewer
workspace.read             x     x      x        x
workspace.update           x     x      .        .
workspace.delete           x     .      .        .
member.read                x     x      x        x
member.invite              x     x      .        .
member.update              x     x      .        .
member.remove              x     x      .        .
token.read                 x     x      x        .
token.create               x     x      x        .
token.revoke               x     x      x        .
service_account.read       x     x      x        .
service_account.create     x     x      .        .
service_account.delete     x     x      .        .
audit.read                 x     x      .        .
billing.read               x     x      .        .
billing.manage             x     .      .        .
project.create             x     x      x        .
project.read               x     x      x        x
project.update             x     x      .        .
project.delete             x     x      .        .
environment.create         x     x      x        .
environment.read           x     x      x        x
environment.update         x     x      x        .
environment.delete         x     x      x        .
service.create             x     x      x        .
service.read               x     x      x        x
service.update             x     x      x        .
service.delete             x     x      x        .
deployment.create          x     x      x        .
deployment.read            x     x      x        x
deployment.rollback        x     x      x        .
deployment.cancel          x     x      x        .
build.read                 x     x      x        x
build.cancel               x     x      x        .
variable.read              x     x      x        x
variable.write             x     x      x        .
variable.reveal            x     x      x        .
domain.create              x     x      x        .
domain.read                x     x      x        x
domain.update              x     x      x        .
domain.delete              x     x      x        .
volume.create              x     x      x        .
volume.read                x     x      x        x
volume.update              x     x      x        .
volume.delete              x     x      x        .
bucket.create              x     x      x        .
bucket.read                x     x      x        x
bucket.update              x     x      x        .
bucket.delete              x     x      x        .
database.create            x     x      x        .
database.read              x     x      x        x
database.update            x     x      x        .
database.delete            x     x      x        .
integration.read           x     x      x        x
integration.manage         x     x      .        .
log.read                   x     x      x        x
metric.read                x     x      x        x
`

const roles = ["owner", "admin", "developer", "viewer"] as const
const rows = matrix
  .trim()
  .split("\n")
  .slice(1)
  .map((line) => {
    const [action, ...marks] = line.trim().split(/\s+/)
    return { action: action as Auth.Action, marks }
  })

describe("the authorization policy", () => {
  it("has a row for every action of the API, and only those", () => {
    expect(rows.map((row) => row.action).sort()).toEqual([...Auth.actions].sort())
  })

  for (const { action, marks } of rows) {
    it(`${action}: ${roles.filter((_, i) => marks[i] === "x").join(", ") || "nobody"}`, () => {
      expect(roles.map((role) => (Policy.allows(role, action) ? "x" : "."))).toEqual(marks)
    })
  }

  it("a project role raises a workspace member inside that project, never outside it or for workspace actions", () => {
    const viewerWithProjectAdmin = { workspaceRole: "viewer", projectRole: "admin" } as const
    expect(Policy.decideForPerson(viewerWithProjectAdmin, "project.delete", "prj_x")).toBe("allowed")
    expect(Policy.decideForPerson(viewerWithProjectAdmin, "service.create", "prj_x")).toBe("allowed")
    expect(Policy.decideForPerson(viewerWithProjectAdmin, "project.delete", null)).toBe("forbidden")
    expect(Policy.decideForPerson(viewerWithProjectAdmin, "member.invite", "prj_x")).toBe("forbidden")
    const adminWithProjectViewer = { workspaceRole: "admin", projectRole: "viewer" } as const
    expect(Policy.decideForPerson(adminWithProjectViewer, "project.delete", "prj_x")).toBe("allowed")
  })

  it("someone who is not a member cannot see the workspace at all", () => {
    expect(Policy.decideForPerson({ workspaceRole: null, projectRole: "admin" }, "project.read", "prj_x")).toBe(
      "not_found",
    )
  })

  it("a token acts only in its workspace and project, and only with its permissions", () => {
    const scope = { workspaceId: "wsp_a", projectId: "prj_a" }
    const deploy = Auth.permissionsOf(["deploy"])
    expect(
      Policy.decideForToken(scope, deploy, "deployment.create", { workspaceId: "wsp_a", projectId: "prj_a" }),
    ).toBe("allowed")
    expect(
      Policy.decideForToken(scope, deploy, "deployment.create", { workspaceId: "wsp_a", projectId: "prj_b" }),
    ).toBe("not_found")
    expect(
      Policy.decideForToken(scope, deploy, "deployment.create", { workspaceId: "wsp_b", projectId: "prj_a" }),
    ).toBe("not_found")
    expect(Policy.decideForToken(scope, deploy, "service.delete", { workspaceId: "wsp_a", projectId: "prj_a" })).toBe(
      "forbidden",
    )
    expect(Policy.decideForToken(scope, deploy, "project.create", { workspaceId: "wsp_a", projectId: null })).toBe(
      "forbidden",
    )
    expect(Policy.decideForToken(scope, deploy, "workspace.read", { workspaceId: "wsp_a", projectId: null })).toBe(
      "allowed",
    )
  })

  it("read-only tokens read everything but secrets, deploy tokens also deploy, roll back and cancel", () => {
    const readOnly = Auth.permissionsOf(["read_only"])
    expect(readOnly.every((action) => action.endsWith(".read"))).toBe(true)
    expect(readOnly).not.toContain("variable.reveal")
    expect(Auth.permissionsOf(["deploy"]).filter((action) => !action.endsWith(".read"))).toEqual([
      "deployment.create",
      "deployment.rollback",
      "deployment.cancel",
      "build.cancel",
    ])
    expect(Auth.permissionsOf(["read_only", "service.update"])).toContain("service.update")
  })

  it("only owners grant or take away ownership", () => {
    expect(Policy.mayGrant("owner", "owner")).toBe(true)
    expect(Policy.mayGrant("admin", "owner")).toBe(false)
    expect(Policy.mayGrant("admin", "developer")).toBe(true)
    expect(Policy.mayGrant("developer", "viewer")).toBe(false)
  })
})
