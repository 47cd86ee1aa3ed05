/**
 * A reading task as the screen shows it (pure): the worklist's answer (`Task` of the reading API:
 * a first read, an adjudication round or an adjudicator's decision) turned into the image, report,
 * hints, the open questions, the other readers' latest values (anonymised) and my own answers.
 */
import type { Schemas } from '../../api/client'
import type { ImageInfo } from '../../api/types'
import { CHOICE, type Answer, type Answers, type FindingLike, type OtherReader } from './answers'
import type { ReportFlagLike } from './evidence'

export type TaskKind = 'read' | 'adjudication' | 'decision'

export interface NlpLabel {
  finding: string
  value: string
  evidence: unknown
}

export interface Task {
  kind: TaskKind
  /** What the submission refers to: the read's id (read) or the case's id. */
  ref: number
  round: number
  image: ImageInfo
  studyImageIds: number[]
  schemaKind: string
  findings: FindingLike[]
  report: string | null
  nlp: NlpLabel[]
  /** Flags the NLP read from the report (Implant); not findings. Empty where NLP evidence is hidden. */
  flags: ReportFlagLike[]
  model: Record<string, number>
  /** Questions still open (adjudication, decision); null = every question (a first read). */
  open: string[] | null
  /** The other readers, anonymised, with their latest values per question. */
  others: OtherReader[]
  /** My latest answers (adjudication rounds start from them). */
  mine: Answers
  finals: Schemas['FinalLabelBrief'][]
}

/** A key that identifies the task (a refetch of the same task gives the same key). */
export function taskKey(t: Task): string {
  return `${t.kind}:${t.ref}:${t.round}`
}

/** Latest value per question over a reader's rounds (a later round answers only the open ones). */
function latest(view: Schemas['ReaderView'], single: boolean, classes: readonly string[]): OtherReader {
  const values: Record<string, string> = {}
  const comments: Record<string, string> = {}
  let comment = ''
  for (const r of [...view.rounds].sort((a, b) => a.round - b.round)) {
    if (single) {
      const chosen = r.labels.find((l) => l.value === 'positive' && classes.includes(l.finding))
      if (chosen) values[CHOICE] = chosen.finding
      if (r.comment) comments[CHOICE] = r.comment
    } else {
      for (const l of r.labels) {
        values[l.finding] = l.value
        if (l.comment) comments[l.finding] = l.comment
        else delete comments[l.finding]
      }
    }
    if (r.comment) comment = r.comment
  }
  return { reader: view.reader, values, comments, comment }
}

export function toTask(t: Schemas['Task']): Task | null {
  const item = t.item
  if (!t.task || !item) return null
  const single = item.schema_kind === 'single_choice'
  const classes = item.findings.filter((f) => !f.is_derived).map((f) => f.key)
  const views = t.case?.readers ?? item.readers
  const others = views.filter((v) => !v.is_me).map((v) => latest(v, single, classes))
  const me = views.find((v) => v.is_me)
  const open = t.case ? (single ? (t.case.open_findings.length ? [CHOICE] : []) : t.case.open_findings) : null
  const mine: Record<string, Answer> = {}
  if (me && t.task === 'adjudication') {
    const m = latest(me, single, classes)
    for (const [k, v] of Object.entries(m.values)) {
      if (open == null || open.includes(k)) mine[k] = { value: v, comment: '' }
    }
  }
  const model: Record<string, number> = {}
  for (const l of item.model_labels) if (l.probability != null) model[l.finding] = l.probability
  return {
    kind: t.task,
    ref: t.task === 'read' ? (t.read?.id ?? 0) : (t.case?.id ?? 0),
    round: t.task === 'read' ? 0 : (t.case?.current_round ?? 0),
    image: item.image,
    studyImageIds: item.study.image_ids,
    schemaKind: item.schema_kind,
    findings: item.findings.map((f, i) => ({ key: f.key, name: f.name, is_derived: f.is_derived, order: i })),
    report: item.report?.text ?? null,
    nlp: item.nlp_labels,
    flags: item.report_flags ?? [],
    model,
    open,
    others,
    mine,
    finals: t.case?.final_labels ?? item.final_labels,
  }
}

