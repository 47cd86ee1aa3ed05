/**
 * The reading feature's data source, the only module of it that talks to the server: the next task
 * (`POST /datasets/{id}/worklist/next/`), the submission (`reads/{id}/submit/`,
 * `adjudication-cases/{id}/respond/` or `/decide/`), undo of the last submitted read within the
 * server's grace period and skip with a reason (`POST reads/{id}/undo/` gives the answers back to
 * edit, `POST reads/{id}/skip/`, the reasons from `GET skip-reasons/`, whose X-Undo-Grace-Seconds
 * header gives the grace period), an image's labels and the model overlay's load check.
 */
import { api, itemsOf, request, toApiError, unwrap, type Schemas } from '../../api/client'
import { CHOICE, type Answers } from './answers'
import { toTask, type Task } from './task'
import { DEFAULT_GRACE_S, type UndoAnswer } from './undoState'

export { taskKey, type Task } from './task'
export { answersOf, DEFAULT_GRACE_S, secondsLeft, type UndoAnswer } from './undoState'

export async function nextTask(dataset: number): Promise<Task | null> {
  const r = await api.POST('/api/v1/datasets/{dataset_id}/worklist/next/', {
    params: { path: { dataset_id: dataset } },
  })
  return toTask(unwrap(r))
}

function body(task: Task, answers: Answers): { labels?: Schemas['LabelEntryRequest'][]; choice?: string } {
  const asked = (k: string) => task.open == null || task.open.includes(k)
  if (task.schemaKind === 'single_choice') return { choice: answers[CHOICE]?.value }
  return {
    labels: Object.entries(answers)
      .filter(([k, a]) => a.value && asked(k))
      .map(([finding, a]) => ({ finding, value: a.value, comment: a.comment.trim() })),
  }
}

export async function submitTask(task: Task, answers: Answers, durationMs: number): Promise<void> {
  const b = body(task, answers)
  const comment = task.schemaKind === 'single_choice' ? (answers[CHOICE]?.comment ?? '').trim() : ''
  if (task.kind === 'read') {
    unwrap(
      await api.POST('/api/v1/reads/{id}/submit/', {
        params: { path: { id: task.ref } },
        body: { ...b, comment, duration_ms: durationMs },
      }),
    )
  } else if (task.kind === 'adjudication') {
    unwrap(
      await api.POST('/api/v1/adjudication-cases/{id}/respond/', {
        params: { path: { id: task.ref } },
        body: { ...b, comment, duration_ms: durationMs },
      }),
    )
  } else {
    unwrap(
      await api.POST('/api/v1/adjudication-cases/{id}/decide/', {
        params: { path: { id: task.ref } },
        body: { ...b, reason: comment },
      }),
    )
  }
}

export interface SkipReason {
  key: string
  label: string
}

export async function skipReasons(): Promise<{ reasons: SkipReason[]; graceS: number }> {
  const r = await fetch('/api/v1/skip-reasons/', { credentials: 'same-origin', headers: { Accept: 'application/json' } })
  if (!r.ok) throw new Error(`The skip reasons could not be loaded (${r.status}).`)
  const grace = Number(r.headers.get('X-Undo-Grace-Seconds'))
  return { reasons: (await r.json()) as SkipReason[], graceS: grace > 0 ? grace : DEFAULT_GRACE_S }
}

export async function undoRead(readId: number): Promise<UndoAnswer[]> {
  const body = await request<{ answers: UndoAnswer[] }>('POST', `/api/v1/reads/${readId}/undo/`)
  return body.answers
}

export async function skipRead(readId: number, reason: string, note: string): Promise<void> {
  await request<void>('POST', `/api/v1/reads/${readId}/skip/`, { reason, note })
}

/** An image's labels of every source (NLP, model, readers' final) for the image page. */
export async function imageLabels(imageId: number) {
  return itemsOf(unwrap(await api.GET('/api/v1/images/{id}/labels/', { params: { path: { id: imageId } } })))
}

/** Loads the model overlay at `url`: null when it is there, else the server's reason (403 where the
 * dataset hides overlays, 409 without a production model). */
export async function overlayProblem(url: string): Promise<string | null> {
  const r = await fetch(url, { credentials: 'same-origin' })
  if (r.ok) return null
  return toApiError(await r.json().catch(() => undefined), r).message
}
