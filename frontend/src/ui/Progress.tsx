/** A progress bar with its count ("3 / 10 (30%)", or the count alone while the total is unknown). */
export function Progress({ done, total, label }: { done: number; total: number; label: string }) {
  const pct = total > 0 ? Math.min(100, Math.round((100 * done) / total)) : 0
  return (
    <div className="progress-wrap">
      <progress max={total > 0 ? total : undefined} value={total > 0 ? done : undefined} aria-label={label} />
      <span className="muted">{total > 0 ? `${done} / ${total} (${pct}%)` : `${done}`}</span>
    </div>
  )
}
