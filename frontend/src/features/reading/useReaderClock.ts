/**
 * The reader's own time on an item: time while the page is visible, from when the item appeared
 * (a reader who leaves the tab is not billed for the coffee break).
 */
import { useEffect, useRef, useState } from 'react'

export function useReaderClock(): { elapsed: () => number; seconds: number } {
  const acc = useRef(0)
  const since = useRef<number | null>(document.visibilityState === 'visible' ? performance.now() : null)
  const [seconds, setSeconds] = useState(0)
  const elapsed = () => acc.current + (since.current != null ? performance.now() - since.current : 0)
  useEffect(() => {
    const onVis = () => {
      if (document.visibilityState === 'visible') since.current = performance.now()
      else if (since.current != null) {
        acc.current += performance.now() - since.current
        since.current = null
      }
    }
    document.addEventListener('visibilitychange', onVis)
    const id = window.setInterval(() => setSeconds(elapsed() / 1000), 1000)
    return () => {
      document.removeEventListener('visibilitychange', onVis)
      window.clearInterval(id)
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [])
  return { elapsed: () => Math.round(elapsed()), seconds }
}
