/**
 * Reading and adjudication: the image (with the study's other images), the report with NLP evidence,
 * one row per finding on hotkeys, submit on Enter. The next task is fetched and its first render
 * decoded while the reader works, so after a submit the next image paints at once. The reader's own
 * time on the item (visible time only) goes with the submission. In adjudication the other readers'
 * anonymised values and comments show per finding, disagreements marked.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import type { Dataset } from '../api/types'
import { HOTKEY_HELP, keyInput, resolveKey } from '../app/hotkeys'
import { Link } from '../app/router'
import { useAsync } from '../ui/useAsync'
import { useKeys } from '../ui/useKeys'
import {
  allUnsetAbsent,
  disagreements,
  missing,
  moveRow,
  nextUnanswered,
  questionsOf,
  setComment,
  setValue,
  type Answers,
} from '../features/reading/answers'
import { spansFromLabels } from '../features/reading/evidence'
import { FindingPanel, type Hints } from '../features/reading/FindingPanel'
import { ReportPanel } from '../features/reading/ReportPanel'
import { loadDataset } from '../features/datasets/source'
import { PriorsStrip, SimilarCasesPanel } from '../features/similar'
import { OverlayControls, useOverlay, type OverlayState } from '../features/reading/Overlay'
import { useReaderClock } from '../features/reading/useReaderClock'
import { preloadImage } from '../features/viewer/pixels'
import { imageMeta, preloadNeighbours, stepInStack } from '../features/viewer/stack'
import { StudyStrip } from '../features/viewer/StudyStrip'
import { Viewer, type ViewerHandle } from '../features/viewer/Viewer'
import { markSubmitStart, recordPaint } from '../features/reading/metrics'
import { progressOf } from '../features/reading/progress'
import { SkipDialog } from '../features/reading/SkipDialog'
import {
  answersOf,
  DEFAULT_GRACE_S,
  nextTask,
  secondsLeft,
  skipRead,
  skipReasons,
  submitTask,
  taskKey,
  undoRead,
  type Task,
} from '../features/reading/source'
import '../features/reading/reading.css'

export function ReadingScreen({ dataset: datasetId, mode }: { dataset: number; mode: 'read' | 'adjudicate' }) {
  const ds = useAsync(() => loadDataset(datasetId), [datasetId])
  if (ds.error) return <p role="alert" className="page-error">{ds.error}</p>
  if (!ds.data) return <p className="loading">Loading…</p>
  return <Reader dataset={ds.data} mode={mode} />
}

/** Fetches a task and its image's values and presets, so that showing it is a paint. */
async function fetchAndWarm(dataset: number): Promise<Task | null> {
  const t = await nextTask(dataset)
  if (t) await preloadImage(t.image).catch(() => undefined)
  return t
}

/**
 * The task loop. The worklist lets a reader hold two claims, so while one item is read the next is
 * claimed, fetched and its image decoded; a submit then shows it at once and claims the one after.
 * Adjudication tasks are not claimed ahead (the next call would return the same case).
 */
function Reader({ dataset, mode }: { dataset: Dataset; mode: 'read' | 'adjudicate' }) {
  const [task, setTask] = useState<Task | null | undefined>(undefined)
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const upcoming = useRef<Promise<Task | null> | null>(null)
  const [nextReady, setNextReady] = useState(false)
  const [imageId, setImageId] = useState<number | null>(null)
  /** A submission that failed after the screen had moved on: shown, and the item can be reopened. */
  const [unsaved, setUnsaved] = useState<{ task: Task; answers: Answers; message: string } | null>(null)
  /** The last first read submitted, undoable for the server's grace period. */
  const [last, setLast] = useState<{ task: Task; at: number; sending: Promise<unknown> } | null>(null)
  const [graceS, setGraceS] = useState(DEFAULT_GRACE_S)
  const [now, setNow] = useState(() => Date.now())
  const [undoError, setUndoError] = useState<string | null>(null)
  useEffect(() => {
    skipReasons().then(
      (r) => setGraceS(r.graceS),
      () => undefined,
    )
  }, [])
  const undoLeft = last ? secondsLeft(last.at, now, graceS) : 0
  useEffect(() => {
    if (!last) return
    const t = window.setInterval(() => setNow(Date.now()), 500)
    return () => window.clearInterval(t)
  }, [last])

  const show = useCallback(
    (t: Task | null, after?: Promise<unknown>) => {
      setTask(t)
      setImageId(t?.image.id ?? null)
      setError(null)
      upcoming.current = null
      setNextReady(false)
      if (t && t.kind === 'read') {
        // Claim the next one only once the previous submission is stored (the worklist would
        // otherwise hand back the item being submitted, which is still a claim).
        const p = (after ?? Promise.resolve())
          .catch(() => undefined)
          .then(() => fetchAndWarm(dataset.id))
          .then(
            (n) => (n && taskKey(n) !== taskKey(t) ? n : null),
            () => null,
          )
        upcoming.current = p
        void p.then(() => {
          if (upcoming.current === p) setNextReady(true)
        })
      }
    },
    [dataset.id],
  )

  const advance = useCallback(
    async (done: Task | null) => {
      try {
        let t = upcoming.current ? await upcoming.current : null
        if (!t || (done && taskKey(t) === taskKey(done))) t = await fetchAndWarm(dataset.id)
        if (t && done && taskKey(t) === taskKey(done)) t = null
        show(t)
      } catch (e) {
        setError(e instanceof Error ? e.message : String(e))
        setTask(null)
      }
    },
    [dataset.id, show],
  )

  useEffect(() => {
    void advance(null)
  }, [advance])

  /**
   * Submit. When the next item is already claimed and decoded, it is shown at once and the
   * submission finishes in the background (a failure is shown with a way back to the item);
   * otherwise the screen waits for the submission, then fetches the next item.
   */
  const submit = async (answers: Answers, ms: number) => {
    if (!task) return
    const done = task
    setUnsaved(null)
    setUndoError(null)
    const sending = submitTask(done, answers, ms)
    if (done.kind === 'read') {
      setLast({ task: done, at: Date.now(), sending })
      setNow(Date.now())
    } else setLast(null)
    const next = nextReady && upcoming.current ? await upcoming.current : null
    if (next && taskKey(next) !== taskKey(done)) {
      show(next, sending)
      sending.catch((e: unknown) =>
        setUnsaved({ task: done, answers, message: e instanceof Error ? e.message : String(e) }),
      )
      return
    }
    setBusy(true)
    try {
      await sending
      await advance(done)
    } catch (e) {
      setUnsaved({ task: done, answers, message: e instanceof Error ? e.message : String(e) })
    } finally {
      setBusy(false)
    }
  }

  /** Undo the last submitted read: it is the reader's claim again, with its answers to edit. */
  const undo = async () => {
    if (!last || secondsLeft(last.at, Date.now(), graceS) <= 0) return
    const done = last.task
    try {
      await last.sending
      const answers = await undoRead(done.ref)
      setLast(null)
      show({ ...done, mine: answersOf(answers) })
    } catch (e) {
      setUndoError(e instanceof Error ? e.message : String(e))
      setLast(null)
    }
  }

  /** Skip the item on screen with a reason; the next item shows (preloaded when it is ready). */
  const skip = async (reason: string, note: string) => {
    if (!task || task.kind !== 'read') return
    const done = task
    await skipRead(done.ref, reason, note)
    setLast(null)
    const next = nextReady && upcoming.current ? await upcoming.current : null
    if (next && taskKey(next) !== taskKey(done)) show(next)
    else await advance(done)
  }

  const toast =
    last && undoLeft > 0 ? (
      <div className="undo-toast" role="status" data-testid="undo-toast">
        Submitted image {last.task.image.id}.
        <button type="button" className="button" data-testid="undo" onClick={() => void undo()}>
          Undo (z)
        </button>
        <span className="left">{undoLeft} s</span>
      </div>
    ) : undoError ? (
      <div className="undo-toast" role="alert" data-testid="undo-error">
        {undoError}
        <button type="button" className="button" onClick={() => setUndoError(null)}>
          OK
        </button>
      </div>
    ) : null

  const banner = unsaved && (
    <div className="unsaved" role="alert" data-testid="unsaved">
      Your answers on image {unsaved.task.image.id} were not saved: {unsaved.message}{' '}
      <button
        type="button"
        className="button"
        onClick={() => {
          const back = { ...unsaved.task, mine: unsaved.answers }
          setUnsaved(null)
          show(back)
        }}
      >
        Reopen it
      </button>
    </div>
  )

  if (error) {
    return (
      <section className="panel">
        <h1>{mode === 'read' ? 'Reading' : 'Adjudication'}</h1>
        <p role="alert">{error}</p>
        <Link href="/">Back to the worklists</Link>
      </section>
    )
  }
  if (task === undefined) return <p className="loading">Finding your next item…</p>
  if (task === null) {
    return (
      <section className="panel" data-testid="worklist-empty">
        {banner}
        {toast}
        <h1>Nothing left for you</h1>
        <p>There is no item or adjudication round waiting for you in {dataset.name} right now.</p>
        <Link href="/">Back to the worklists</Link>
      </section>
    )
  }
  return (
    <>
      {banner}
      {toast}
      <TaskView
        key={taskKey(task)}
        onUndo={last && undoLeft > 0 ? () => void undo() : null}
        onSkip={task.kind === 'read' ? skip : null}
        dataset={dataset}
        task={task}
        imageId={imageId ?? task.image.id}
        onImage={setImageId}
        nextReady={nextReady}
        busy={busy}
        onSubmit={submit}
      />
    </>
  )
}

function TaskView({
  dataset,
  task,
  imageId,
  onImage,
  nextReady,
  busy,
  onSubmit,
  onUndo,
  onSkip,
}: {
  onUndo: (() => void) | null
  onSkip: ((reason: string, note: string) => Promise<void>) | null
  dataset: Dataset
  task: Task
  imageId: number
  onImage: (id: number) => void
  nextReady: boolean
  busy: boolean
  onSubmit: (answers: Answers, durationMs: number) => Promise<void>
}) {
  const q = useMemo(() => {
    const all = questionsOf(task.schemaKind, task.findings)
    // In adjudication only the still-open findings are asked; the settled ones are listed apart.
    if (task.open == null || all.single) return all
    return { ...all, rows: all.rows.filter((r) => task.open!.includes(r.key)) }
  }, [task])
  const [answers, setAnswers] = useState<Answers>(task.mine)
  const [active, setActive] = useState(0)
  const [commentFocus, setCommentFocus] = useState(0)
  const [showReport, setShowReport] = useState(task.kind !== 'read' || dataset.show_report_on_first_read !== false)
  const [help, setHelp] = useState(false)
  /** The reader tried to submit with findings unanswered: the live count of what is left shows. */
  const [tried, setTried] = useState(false)
  const [blocked, setBlocked] = useState(false)
  const [skipping, setSkipping] = useState(false)
  const [skipError, setSkipError] = useState<string | null>(null)
  const viewer = useRef<ViewerHandle>(null)
  const clock = useReaderClock()
  const [overlay, setOverlay] = useState<OverlayState>({ on: false, finding: '', opacity: 0.5 })
  const overlaysAllowed = dataset.show_model_overlays !== false

  const hints: Hints = useMemo(
    () => ({ nlp: Object.fromEntries(task.nlp.map((l) => [l.finding, l.value])), model: task.model }),
    [task],
  )
  const spans = useMemo(() => spansFromLabels(task.nlp, task.report?.length ?? 0), [task])
  const disputed = useMemo(
    () => (task.open ? new Set(task.open) : task.others.length ? disagreements(task.others) : new Set<string>()),
    [task],
  )

  // Another image than the item (another view, a similar case, a prior) is on screen: no submit.
  const away = imageId !== task.image.id
  const progress = progressOf(q, answers)
  const problem = tried && progress.left > 0 ? `Answer every finding first (${progress.left} left; x marks the rest absent).` : null

  const submit = () => {
    if (busy) return
    if (away) {
      setBlocked(true)
      return
    }
    const left = missing(q, answers)
    if (left.length) {
      setTried(true)
      const i = q.rows.findIndex((r) => left.includes(r.key))
      if (i >= 0) setActive(i)
      return
    }
    setTried(false)
    markSubmitStart()
    void onSubmit(answers, clock.elapsed())
  }

  useKeys((e) => {
    if (skipping) return false // the skip dialog has the keyboard
    const a = resolveKey('reading', keyInput(e))
    if (!a) return false
    const row = q.rows[active]
    switch (a.type) {
      case 'finding-move':
        setActive((i) => moveRow(q, i, a.delta))
        return true
      case 'set-value': {
        if (!row) return true
        const next = setValue(q, answers, row.key, a.value)
        setAnswers(next)
        setActive((i) => nextUnanswered(q, next, i))
        return true
      }
      case 'all-unset-absent':
        setAnswers((s) => allUnsetAbsent(q, s))
        return true
      case 'focus-comment':
        setCommentFocus((n) => n + 1)
        return true
      case 'leave-field':
        ;(document.activeElement as HTMLElement | null)?.blur()
        return true
      case 'toggle-report':
        setShowReport((s) => !s)
        return true
      case 'toggle-overlay':
        if (overlaysAllowed) setOverlay((o) => ({ ...o, on: !o.on }))
        return true
      case 'submit':
        submit()
        return true
      case 'undo':
        if (!onUndo) return false
        onUndo()
        return true
      case 'skip':
        if (!onSkip) return false
        setSkipping(true)
        return true
      case 'back-to-item':
        if (!away) return false
        setBlocked(false)
        onImage(task.image.id)
        return true
      case 'help':
        setHelp((h) => !h)
        return true
      case 'next-image':
      case 'prev-image': {
        const id = stepInStack(task.studyImageIds, imageId, a.type === 'next-image' ? 1 : -1)
        if (id != null) onImage(id)
        return true
      }
      default:
        return viewer.current?.apply(a) ?? false
    }
  })

  // Another image of the study: its own metadata (size, bit depth, window) before it is shown.
  const other = useAsync(async () => {
    if (imageId === task.image.id) return undefined
    return imageMeta(imageId)
  }, [imageId, task.image.id])
  // Stack scrolling through the study's images (wheel, arrows): the neighbours are preloaded; the
  // item being labelled stays the same, and the banner below says when another image is shown.
  const stackIndex = task.studyImageIds.indexOf(imageId)
  useEffect(() => {
    if (stackIndex >= 0) preloadNeighbours(task.studyImageIds, imageId)
  }, [task.studyImageIds, imageId, stackIndex])
  const shownImage = imageId === task.image.id ? task.image : (other.data ?? task.image)
  const heat = useOverlay(shownImage.id, Math.max(shownImage.rows, shownImage.cols), overlay)
  const title =
    task.kind === 'read'
      ? 'Independent read'
      : task.kind === 'adjudication'
        ? `Adjudication, round ${task.round}`
        : 'Adjudicator decision'
  return (
    <div
      className="workspace"
      data-testid="reading"
      data-task-kind={task.kind}
      data-image-id={task.image.id}
      data-next-ready={nextReady ? 1 : 0}
      data-shown-image-id={shownImage.id}
    >
      <div className="workspace-main">
        {away && (
          <div className="not-the-item" role="alert" data-testid="not-the-item">
            <strong>Not the item you are labelling.</strong>{' '}
            {task.studyImageIds.includes(imageId) ? 'Another image of this study' : 'A similar case or prior'} (image{' '}
            {imageId}) is shown; submitting is off until you go back.{' '}
            <button type="button" className="button" data-testid="back-to-item" onClick={() => onImage(task.image.id)}>
              Back to the item (b)
            </button>
          </div>
        )}
        <Viewer
          key={shownImage.id}
          ref={viewer}
          image={shownImage}
          onPainted={(id, at) => recordPaint(id, at)}
          overlay={heat.url ? { url: heat.url, opacity: overlay.opacity } : null}
          stack={
            (stackIndex >= 0 && other.data?.id === imageId) || imageId === task.image.id
              ? {
                  index: stackIndex,
                  count: task.studyImageIds.length,
                  onStep: (d) => {
                    const id = stepInStack(task.studyImageIds, imageId, d)
                    if (id != null) onImage(id)
                  },
                }
              : null
          }
        />
        <StudyStrip imageIds={task.studyImageIds} current={imageId} onPick={onImage} />
      </div>
      <aside className="workspace-side reading-side" aria-label="Labels">
        <div className="reading-head">
          <h1 className="h2">{title}</h1>
          <span className="muted">{dataset.name}</span>
          <span className="spacer" />
          <span className="timer" aria-label="Your time on this item">
            {Math.round(clock.seconds)} s
          </span>
          <button type="button" className="link" onClick={() => setHelp((h) => !h)} aria-label="Keyboard shortcuts">
            ?
          </button>
        </div>
        {task.report != null && (
          <div className="report-block">
            <button
              type="button"
              className="link"
              aria-expanded={showReport}
              onClick={() => setShowReport((s) => !s)}
            >
              {showReport ? 'Hide report (e)' : 'Show report (e)'}
            </button>
            {showReport && (
              <ReportPanel
                text={task.report}
                spans={spans}
                flags={task.flags}
                active={q.rows[active]?.key ?? null}
                showEvidence={dataset.show_nlp_evidence !== false}
              />
            )}
          </div>
        )}
        <div className="reading-scroll" data-testid="reading-scroll">
        <FindingPanel
          questions={q}
          answers={answers}
          active={active}
          onActive={setActive}
          onValue={(k, v) => setAnswers((s) => setValue(q, s, k, v))}
          onComment={(k, t) => setAnswers((s) => setComment(q, s, k, t))}
          hints={dataset.show_nlp_evidence !== false ? hints : { nlp: {}, model: hints.model }}
          others={task.others}
          disputed={disputed}
          commentFocus={commentFocus}
        />
        {overlaysAllowed && (
          <OverlayControls state={overlay} onChange={setOverlay} findings={q.rows} problem={heat.problem} />
        )}
        <SimilarAndPriors imageId={task.image.id} refreshKey={taskKey(task)} onOpen={onImage} />
        {task.kind !== 'read' && task.others.some((o) => o.comment) && (
          <div className="other-comments" aria-label="Other readers' comments">
            {task.others
              .filter((o) => o.comment)
              .map((o) => (
                <p key={o.reader} className="muted">
                  Reader {o.reader}: “{o.comment}”
                </p>
              ))}
          </div>
        )}
        {task.kind !== 'read' && task.finals.length > 0 && (
          <details className="settled">
            <summary>{task.finals.length} findings already final</summary>
            <ul>
              {task.finals.map((f) => (
                <li key={f.id}>
                  {f.finding}: <span className={`v-${f.value}`}>{f.value}</span> <span className="muted">({f.how_reached})</span>
                </li>
              ))}
            </ul>
          </details>
        )}
        </div>
        <div className="submit-row">
          <span className="progress" data-testid="progress" aria-live="polite">
            {progress.answered} of {progress.total} answered{progress.left ? ` · ${progress.left} left` : ''}
          </span>
          {problem && (
            <span role="alert" className="status-failed" data-testid="submit-problem">
              {problem}
            </span>
          )}
          {away && blocked && (
            <span role="alert" className="status-failed" data-testid="submit-problem">
              Back to the item (b) to submit.
            </span>
          )}
          <span className="spacer" />
          {onSkip && (
            <button type="button" className="button" data-testid="skip" onClick={() => setSkipping(true)}>
              Skip… (s)
            </button>
          )}
          <button type="button" className="button" onClick={() => setAnswers((s) => allUnsetAbsent(q, s))}>
            Rest absent (x)
          </button>
          <button
            type="button"
            className="button primary"
            disabled={busy || away}
            title={away ? 'Another image is shown: go back to the item (b) to submit' : undefined}
            onClick={submit}
            data-testid="submit"
          >
            {busy
              ? 'Submitting…'
              : task.kind === 'read'
                ? 'Submit (Enter)'
                : task.kind === 'adjudication'
                  ? 'Keep / revise and submit (Enter)'
                  : 'Decide (Enter)'}
          </button>
        </div>
      </aside>
      {skipping && onSkip && (
        <SkipDialog
          error={skipError}
          onCancel={() => {
            setSkipping(false)
            setSkipError(null)
          }}
          onSkip={(reason, note) => {
            setSkipError(null)
            onSkip(reason, note).then(
              () => setSkipping(false),
              (e: unknown) => setSkipError(e instanceof Error ? e.message : String(e)),
            )
          }}
        />
      )}
      {help && (
        <div className="help" role="dialog" aria-label="Keyboard shortcuts">
          <table>
            <tbody>
              {[...HOTKEY_HELP.reading, ...HOTKEY_HELP.viewer].map(([k, v]) => (
                <tr key={k + v}>
                  <th scope="row">{k}</th>
                  <td>{v}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <button type="button" className="button" onClick={() => setHelp(false)}>
            Close
          </button>
        </div>
      )}
    </div>
  )
}

/**
 * Similar adjudicated cases and the patient's priors (features/similar), loaded when the reader
 * opens them, so the first paint of an item never waits on a similarity search.
 */
function SimilarAndPriors({
  imageId,
  refreshKey,
  onOpen,
}: {
  imageId: number
  refreshKey: string
  onOpen: (imageId: number) => void
}) {
  const [open, setOpen] = useState(false)
  return (
    <details className="similar" onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
      <summary>Similar cases and priors</summary>
      {open && (
        <>
          <SimilarCasesPanel imageId={imageId} refreshKey={refreshKey} onOpen={onOpen} />
          <PriorsStrip imageId={imageId} refreshKey={refreshKey} onOpen={onOpen} />
        </>
      )}
    </details>
  )
}
