/** The skip dialog: a reason (required), a note (required for "other"), Skip or Cancel. */
import { useEffect, useState } from 'react'
import { skipReasons, type SkipReason } from './source'

export function SkipDialog({
  onSkip,
  onCancel,
  error,
}: {
  onSkip: (reason: string, note: string) => void
  onCancel: () => void
  error: string | null
}) {
  const [reasons, setReasons] = useState<SkipReason[] | null>(null)
  const [loadError, setLoadError] = useState<string | null>(null)
  const [reason, setReason] = useState('')
  const [note, setNote] = useState('')
  useEffect(() => {
    skipReasons().then(
      (r) => setReasons(r.reasons),
      (e: unknown) => setLoadError(e instanceof Error ? e.message : String(e)),
    )
  }, [])
  const needsNote = reason === 'other' && !note.trim()
  return (
    <div className="skip-dialog" role="dialog" aria-label="Skip this item" data-testid="skip-dialog">
      <h2 className="h3">Skip this item</h2>
      <p className="muted">It goes back to the worklist for other readers; you will not be offered it again.</p>
      {loadError && <p role="alert">{loadError}</p>}
      <form
        onSubmit={(e) => {
          e.preventDefault()
          if (reason && !needsNote) onSkip(reason, note.trim())
        }}
      >
        <fieldset>
          <legend className="sr-only">Reason</legend>
          {(reasons ?? []).map((r) => (
            <label key={r.key} className="check">
              <input type="radio" name="skip-reason" value={r.key} checked={reason === r.key} onChange={() => setReason(r.key)} />
              {r.label}
            </label>
          ))}
        </fieldset>
        <label className="note">
          Note{reason === 'other' ? ' (required)' : ' (optional)'}
          <textarea rows={2} maxLength={500} value={note} onChange={(e) => setNote(e.target.value)} />
        </label>
        {error && (
          <p role="alert" className="status-failed">
            {error}
          </p>
        )}
        <div className="actions">
          <button type="submit" className="button primary" disabled={!reason || needsNote} data-testid="skip-confirm">
            Skip item
          </button>
          <button type="button" className="button" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </div>
  )
}
