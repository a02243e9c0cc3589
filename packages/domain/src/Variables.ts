import { Schema } from "effect"
import { Timestamp } from "./Columns.ts"
import { EnvironmentId, ProjectId, ServiceId, ServiceVariableId, VarGroupEntryId, VarGroupId } from "./Ids.ts"
import { VarGroupName, VariableKey } from "./Names.ts"
import { Description } from "./Projects.ts"
import * as Rules from "./Rules.ts"

/**
 * Environment variables: set on one service, or in var groups that services of a project link to. Values are
 * encrypted columns; these entities say which keys are set where, not what they hold.
 */

/** A variable set on one service (`service_variables`). */
export class ServiceVariable extends Schema.Class<ServiceVariable>("ServiceVariable")({
  id: ServiceVariableId,
  projectId: ProjectId,
  environmentId: EnvironmentId,
  serviceId: ServiceId,
  key: VariableKey,
  createdAt: Timestamp,
  updatedAt: Timestamp,
}) {}

/** A named set of variables shared by services of a project (`var_groups`). */
export class VarGroup extends Schema.Class<VarGroup>("VarGroup")({
  id: VarGroupId,
  projectId: ProjectId,
  name: VarGroupName,
  description: Schema.NullOr(Description),
  createdAt: Timestamp,
  updatedAt: Timestamp,
}) {}

/** One key of a var group (`var_group_entries`): its default value, or one environment's override. */
export class VarGroupEntry extends Schema.Class<VarGroupEntry>("VarGroupEntry")({
  id: VarGroupEntryId,
  /** The group's project, so an override's environment is provably in the same project. */
  projectId: ProjectId,
  varGroupId: VarGroupId,
  key: VariableKey,
  /** Null: the group's default value; set: that environment's override. */
  environmentId: Schema.NullOr(EnvironmentId),
  createdAt: Timestamp,
  updatedAt: Timestamp,
}) {}

/** A service's link to a var group (`service_var_groups`); where groups set the same key, the higher position wins. */
export class ServiceVarGroup extends Schema.Class<ServiceVarGroup>("ServiceVarGroup")({
  projectId: ProjectId,
  environmentId: EnvironmentId,
  serviceId: ServiceId,
  varGroupId: VarGroupId,
  position: Rules.int(0),
  createdAt: Timestamp,
  updatedAt: Timestamp,
}) {}
