export * as ControlPlane from "./ControlPlane.ts"
