/**
 * The reading screen's data: the next task for this reader (a first read, an adjudication round or
 * an adjudicator's decision), its image, study, report and labels, and the submission.
 * The one place that knows the reading API's shapes.
 */
import type { Dataset, ImageInfo, Label } from '../api/types'
import type { Answers, OtherReader } from './answers'

export type TaskKind = 'read' | 'adjudicate' | 'decide'

export interface Task {
  kind: TaskKind
  /** What the submission refers to (the read's or the case's id). */
  ref: number
  round: number
  image: ImageInfo
  studyImageIds: number[]
  report: string | null
  labels: Label[]
  others: OtherReader[]
  /** My earlier answers (adjudication rounds start from them). */
  mine: Answers
}

export class NoReadingApi extends Error {}

export async function nextTask(_dataset: Dataset, _mode: 'read' | 'adjudicate'): Promise<Task | null> {
  throw new NoReadingApi('The reading API is not on this server yet.')
}

export async function submitTask(_task: Task, _answers: Answers, _durationMs: number): Promise<void> {
  throw new NoReadingApi('The reading API is not on this server yet.')
}
