/**
 * One row per finding: present / absent / uncertain (or the class, for single choice), the NLP value
 * and model probability as hints, a comment, and in adjudication the other readers' anonymised
 * values with the disagreements marked.
 */
import { useEffect, useRef } from 'react'
import type { ReadValue } from '../../app/hotkeys'
import { commentOf, rowValue, type Answers, type OtherReader, type Questions } from './answers'

const CHOICES: Array<[ReadValue, string, string]> = [
  ['positive', 'Present', 'p'],
  ['negative', 'Absent', 'a'],
  ['uncertain', 'Uncertain', 'u'],
]

export interface Hints {
  nlp: Record<string, string>
  model: Record<string, number>
}

const SHORT: Record<string, string> = { positive: '+', negative: '−', uncertain: '?', blank: '·' }

export function FindingPanel({
  questions: q,
  answers,
  active,
  onActive,
  onValue,
  onComment,
  hints,
  others,
  disputed,
  commentFocus,
}: {
  questions: Questions
  answers: Answers
  active: number
  onActive: (i: number) => void
  onValue: (key: string, v: ReadValue) => void
  onComment: (key: string, text: string) => void
  hints: Hints
  others?: readonly OtherReader[]
  disputed?: ReadonlySet<string>
  commentFocus: number
}) {
  const commentRef = useRef<HTMLTextAreaElement>(null)
  const activeRef = useRef<HTMLLIElement>(null)
  useEffect(() => {
    if (commentFocus > 0) commentRef.current?.focus()
  }, [commentFocus])
  useEffect(() => {
    // Braces: scrollIntoView returns a Promise in recent Chromium, and an effect may return only a cleanup.
    void activeRef.current?.scrollIntoView({ block: 'nearest' })
  }, [active])
  const choiceKey = (key: string) => (q.single ? '__choice__' : key)
  return (
    <ol className="findings" aria-label="Findings">
      {q.rows.map((f, i) => {
        const value = rowValue(q, answers, f.key)
        const isActive = i === active
        const comment = commentOf(q, answers, f.key)
        const isDisputed = disputed?.has(choiceKey(f.key)) ?? false
        return (
          <li
            key={f.key}
            ref={isActive ? activeRef : undefined}
            className={`finding${isActive ? ' active' : ''}${isDisputed ? ' disputed' : ''}`}
            data-finding={f.key}
            data-value={value ?? ''}
            onClick={() => onActive(i)}
          >
            <div className="finding-head">
              <span className="finding-name" id={`f-${f.key}`}>
                {isDisputed && (
                  <span className="dispute" title="Readers disagree" aria-label="Readers disagree">
                    ≠{' '}
                  </span>
                )}
                {f.name}
              </span>
              <span className="hints">
                {hints.nlp[f.key] && (
                  <span className={`hint v-${hints.nlp[f.key]}`} title={`NLP: ${hints.nlp[f.key]}`}>
                    NLP {SHORT[hints.nlp[f.key]] ?? hints.nlp[f.key]}
                  </span>
                )}
                {hints.model[f.key] != null && (
                  <span className="hint" title="Model probability">
                    AI {Math.round(hints.model[f.key] * 100)}%
                  </span>
                )}
              </span>
              <span className="choices" role="radiogroup" aria-labelledby={`f-${f.key}`}>
                {(q.single ? CHOICES.slice(0, 1) : CHOICES).map(([v, label, key]) => (
                  <button
                    key={v}
                    type="button"
                    role="radio"
                    aria-checked={value === v}
                    aria-label={`${f.name}: ${q.single ? 'this class' : label.toLowerCase()} (key ${key})`}
                    className={`choice c-${v}${value === v ? ' on' : ''}`}
                    onClick={(e) => {
                      e.stopPropagation()
                      onActive(i)
                      onValue(f.key, v)
                    }}
                  >
                    {q.single ? 'Choose' : label}
                  </button>
                ))}
              </span>
            </div>
            {others && others.length > 0 && (
              <div className="others" aria-label={`Other readers on ${f.name}`}>
                {others.map((o) => {
                  const v = o.values[choiceKey(f.key)]
                  const shown = q.single ? (v === f.key ? 'positive' : v ? 'negative' : undefined) : v
                  const c = o.comments?.[choiceKey(f.key)]
                  return (
                    <span key={o.reader} className={`other v-${shown ?? 'blank'}`}>
                      Reader {o.reader}: {shown ?? '—'}
                      {c ? ` — “${c}”` : ''}
                    </span>
                  )
                })}
              </div>
            )}
            {(isActive || comment) && (!q.single || isActive) && (
              <label className="comment">
                <span className="sr-only">Comment on {f.name}</span>
                <textarea
                  ref={isActive ? commentRef : undefined}
                  rows={1}
                  placeholder={`Comment on ${q.single ? 'the choice' : f.name} (c)`}
                  value={comment}
                  onChange={(e) => onComment(f.key, e.target.value)}
                  onClick={(e) => e.stopPropagation()}
                />
              </label>
            )}
          </li>
        )
      })}
    </ol>
  )
}
