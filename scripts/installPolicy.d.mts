export declare const isCi: (env: Readonly<Record<string, string | undefined>>) => boolean

export type AfterFrozenInstall =
  | { readonly kind: "done" }
  | { readonly kind: "fail"; readonly message: string }
  | { readonly kind: "resolve"; readonly warning: string }

export declare const afterFrozenInstall: (outcome: {
  readonly status: number | null
  readonly stderr: string | null | undefined
  readonly env: Readonly<Record<string, string | undefined>>
}) => AfterFrozenInstall
