import type { KObject } from "./Objects.ts"

/** What a fresh DigitalOcean Kubernetes cluster already holds: system namespaces, three nodes, the block-storage class. */
export const doks = (): KObject[] => [
  ...["default", "kube-system", "kube-public", "kube-node-lease"].map(
    (name): KObject => ({ apiVersion: "v1", kind: "Namespace", metadata: { name } }),
  ),
  ...[1, 2, 3].map(
    (n): KObject => ({
      apiVersion: "v1",
      kind: "Node",
      metadata: {
        name: `sim-node-${n}`,
        labels: {
          "kubernetes.io/hostname": `sim-node-${n}`,
          "kubernetes.io/os": "linux",
          "kubernetes.io/arch": "amd64",
          "node.kubernetes.io/instance-type": "s-4vcpu-8gb",
          "topology.kubernetes.io/region": "sim1",
          "topology.kubernetes.io/zone": "sim-zone-a",
          "doks.digitalocean.com/node-pool": "default",
        },
      },
      spec: { providerID: `digitalocean://${1000 + n}`, podCIDR: `10.244.${n}.0/24` },
      status: {
        capacity: { cpu: "4", memory: "8148204Ki", pods: "110", "ephemeral-storage": "165089200Ki" },
        allocatable: { cpu: "3900m", memory: "6577Mi", pods: "110", "ephemeral-storage": "152146206469" },
        conditions: [
          { type: "Ready", status: "True", reason: "KubeletReady", message: "kubelet is posting ready status" },
        ],
        addresses: [
          { type: "InternalIP", address: `10.0.0.${n + 10}` },
          { type: "Hostname", address: `sim-node-${n}` },
        ],
        nodeInfo: {
          kubeletVersion: "v1.33.0",
          containerRuntimeVersion: "containerd://1.7.0",
          osImage: "Debian GNU/Linux 12 (bookworm)",
        },
      },
    }),
  ),
  {
    apiVersion: "storage.k8s.io/v1",
    kind: "StorageClass",
    metadata: { name: "do-block-storage", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
    provisioner: "dobs.csi.digitalocean.com",
    allowVolumeExpansion: true,
    reclaimPolicy: "Delete",
    volumeBindingMode: "Immediate",
  },
  {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "kubernetes", namespace: "default", labels: { component: "apiserver", provider: "kubernetes" } },
    spec: { clusterIP: "10.96.0.1", ports: [{ name: "https", port: 443, protocol: "TCP", targetPort: 443 }] },
  },
]

/** Envoy Gateway installed with one shared Gateway: the GatewayClass, its namespace and the Gateway routes attach to. */
export const envoyGateway = (
  options: {
    readonly namespace?: string
    readonly name?: string
    readonly className?: string
    readonly hostname?: string
  } = {},
): KObject[] => {
  const namespace = options.namespace ?? "envoy-gateway-system"
  const className = options.className ?? "eg"
  return [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } },
    {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "GatewayClass",
      metadata: { name: className },
      spec: { controllerName: "gateway.envoyproxy.io/gatewayclass-controller" },
    },
    {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "Gateway",
      metadata: { name: options.name ?? "eg", namespace },
      spec: {
        gatewayClassName: className,
        listeners: [
          {
            name: "http",
            protocol: "HTTP",
            port: 80,
            ...(options.hostname ? { hostname: options.hostname } : {}),
            allowedRoutes: { namespaces: { from: "All" } },
          },
        ],
      },
    },
  ]
}
