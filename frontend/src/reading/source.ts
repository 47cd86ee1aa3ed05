/**
 * The reading API calls: the next task (`POST /datasets/{id}/worklist/next/`) and the submission
 * (`reads/{id}/submit/`, `adjudication-cases/{id}/respond/` or `/decide/`).
 */
import { api, unwrap, type Schemas } from '../api/client'
import { CHOICE, type Answers } from './answers'
import { toTask, type Task } from './task'

export { taskKey, type Task } from './task'

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
