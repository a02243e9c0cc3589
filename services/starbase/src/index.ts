export * as ControlPlane from "./ControlPlane.ts"
export * as LocalCluster from "./LocalCluster.ts"
