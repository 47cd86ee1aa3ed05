/** A window-level keydown handler for the current screen; return true to consume the key. */
import { useEffect, useRef } from 'react'

export function useKeys(handler: (e: KeyboardEvent) => boolean): void {
  const saved = useRef(handler)
  saved.current = handler
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.isComposing) return
      if (saved.current(e)) e.preventDefault()
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [])
}
