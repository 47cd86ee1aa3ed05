/** Undo's pure parts: the grace period countdown and the undone answers as the screen keeps them. */
import type { Answers } from './answers'

export interface UndoAnswer {
  finding: string
  value: string
  comment: string
}

/** Grace period the server allows when the reasons call has not answered yet. */
export const DEFAULT_GRACE_S = 60

/** The answers of an undone read as the reading screen keeps them. */
export function answersOf(list: readonly UndoAnswer[]): Answers {
  return Object.fromEntries(list.map((a) => [a.finding, { value: a.value, comment: a.comment }]))
}

/** Seconds left to undo, from the submit time and the grace period (never below 0). */
export function secondsLeft(submittedAt: number, now: number, graceS: number): number {
  return Math.max(0, Math.ceil(graceS - (now - submittedAt) / 1000))
}
