import type { DesiredState } from "@starform/domain"
import type { INamespace } from "kubernetes-models/v1/Namespace"
import * as Labels from "./Labels.ts"

/**
 * One namespace per project environment. Its `starform.io/*` labels are what the admission policy keys on, and
 * Pod Security's baseline level refuses privileged pods in it.
 */
export const render = (environment: DesiredState.EnvironmentState): INamespace & { metadata: { name: string } } => ({
  apiVersion: "v1",
  kind: "Namespace",
  metadata: {
    name: environment.namespace,
    labels: {
      ...Labels.ofEnvironment(environment),
      "pod-security.kubernetes.io/enforce": "baseline",
      "pod-security.kubernetes.io/warn": "restricted",
    },
  },
})
