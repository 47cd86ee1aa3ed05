/** How far the reader is on the item (pure): answered of total, and how many are left. */
import { missing, type Answers, type Questions } from './answers'

export interface Progress {
  answered: number
  total: number
  left: number
}

export function progressOf(q: Questions, a: Answers): Progress {
  const total = q.single ? 1 : q.rows.length
  const left = missing(q, a).length
  return { answered: total - left, total, left }
}
