import * as React from "react"
import type { Problem } from "../api/Problems.ts"

/** A labelled input whose API validation message, when there is one, sits right under it. */
export const Field = ({
  label,
  name,
  problem,
  hint,
  ...input
}: {
  readonly label: string
  /** The API's field path this input fills (matches `Problem.fields`). */
  readonly name: string
  readonly problem?: Problem | undefined
  readonly hint?: string
} & React.InputHTMLAttributes<HTMLInputElement>) => {
  const id = React.useId()
  const error = problem?.fields[name]
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        name={name}
        aria-invalid={error !== undefined}
        aria-describedby={error !== undefined ? `${id}-error` : hint !== undefined ? `${id}-hint` : undefined}
        {...input}
      />
      {hint !== undefined && error === undefined && (
        <small id={`${id}-hint`} className="hint">
          {hint}
        </small>
      )}
      {error !== undefined && (
        <small id={`${id}-error`} className="field-error" role="alert">
          {error}
        </small>
      )}
    </div>
  )
}

/** The API's message for the whole form (shown once, above the buttons). */
export const FormError = ({ problem }: { readonly problem: Problem | undefined }) =>
  problem === undefined ? null : (
    <p className="form-error" role="alert">
      {problem.message}
    </p>
  )

/**
 * A form that runs `submit` once at a time: its button says it is working, and the problem it returns (if any)
 * is kept for the fields and the form error.
 */
export const useSubmit = (
  submit: (data: FormData) => Promise<Problem | undefined>,
  options: { readonly resetOnSuccess?: boolean } = {},
) => {
  const [problem, setProblem] = React.useState<Problem | undefined>(undefined)
  const [busy, setBusy] = React.useState(false)
  const onSubmit = (event: React.FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    if (busy) return
    setBusy(true)
    const form = event.currentTarget
    submit(new FormData(form))
      .then((problem) => {
        setProblem(problem)
        if (problem === undefined && options.resetOnSuccess) form.reset()
      })
      .finally(() => setBusy(false))
  }
  return { problem, busy, onSubmit, setProblem }
}

/** A text field's value from a form ("" when absent). */
export const text = (data: FormData, name: string): string => {
  const value = data.get(name)
  return typeof value === "string" ? value : ""
}
