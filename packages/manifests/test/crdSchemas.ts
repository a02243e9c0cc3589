/**
 * JSON Schemas for the two custom kinds in `k8s/` that no npm package models: Kyverno's ClusterPolicy
 * (kyverno.io/v1) and the CSI snapshotter's VolumeSnapshotClass (snapshot.storage.k8s.io/v1). Written from their CRDs'
 * published field lists, covering the fields Starform uses and refusing any other, so a misspelt or misplaced field
 * fails the test instead of being dropped by the API server's pruning.
 */

const metadata = {
  type: "object",
  required: ["name"],
  properties: {
    name: { type: "string", pattern: "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", maxLength: 253 },
    labels: { type: "object", additionalProperties: { type: "string" } },
    annotations: { type: "object", additionalProperties: { type: "string" } },
  },
  additionalProperties: false,
} as const

const labelSelector = {
  type: "object",
  properties: {
    matchLabels: { type: "object", additionalProperties: { type: "string" } },
    matchExpressions: {
      type: "array",
      items: {
        type: "object",
        required: ["key", "operator"],
        properties: {
          key: { type: "string" },
          operator: { enum: ["In", "NotIn", "Exists", "DoesNotExist"] },
          values: { type: "array", items: { type: "string" } },
        },
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
} as const

const resourceDescription = {
  type: "object",
  properties: {
    kinds: { type: "array", items: { type: "string" } },
    names: { type: "array", items: { type: "string" } },
    namespaces: { type: "array", items: { type: "string" } },
    operations: { type: "array", items: { enum: ["CREATE", "CONNECT", "UPDATE", "DELETE"] } },
    namespaceSelector: labelSelector,
    selector: labelSelector,
  },
  additionalProperties: false,
} as const

const resourceFilters = {
  type: "array",
  items: { type: "object", properties: { resources: resourceDescription }, additionalProperties: false },
} as const

const matchResources = {
  type: "object",
  properties: { any: resourceFilters, all: resourceFilters, resources: resourceDescription },
  additionalProperties: false,
} as const

export const clusterPolicy = {
  type: "object",
  required: ["apiVersion", "kind", "metadata", "spec"],
  properties: {
    apiVersion: { const: "kyverno.io/v1" },
    kind: { const: "ClusterPolicy" },
    metadata,
    spec: {
      type: "object",
      required: ["rules"],
      properties: {
        admission: { type: "boolean" },
        background: { type: "boolean" },
        failurePolicy: { enum: ["Ignore", "Fail"] },
        rules: {
          type: "array",
          minItems: 1,
          items: {
            type: "object",
            required: ["name", "match"],
            properties: {
              name: { type: "string", maxLength: 63 },
              match: matchResources,
              exclude: matchResources,
              validate: {
                type: "object",
                properties: {
                  failureAction: { enum: ["Audit", "Enforce"] },
                  message: { type: "string" },
                  pattern: { type: "object" },
                  anyPattern: { type: "array" },
                },
                additionalProperties: false,
              },
            },
            additionalProperties: false,
          },
        },
      },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
} as const

export const volumeSnapshotClass = {
  type: "object",
  required: ["apiVersion", "kind", "metadata", "driver", "deletionPolicy"],
  properties: {
    apiVersion: { const: "snapshot.storage.k8s.io/v1" },
    kind: { const: "VolumeSnapshotClass" },
    metadata,
    driver: { type: "string", minLength: 1 },
    deletionPolicy: { enum: ["Delete", "Retain"] },
    parameters: { type: "object", additionalProperties: { type: "string" } },
  },
  additionalProperties: false,
} as const
