/** The app shell: loads the signed-in user, shows the top bar for their roles, routes to a screen. */
import { useEffect, useState } from 'react'
import { unwrap } from '../api/client'
import type { Me } from '../api/types'
import { AdminConsole } from '../screens/AdminConsole'
import { Home } from '../screens/Home'
import { ImageScreen } from '../screens/ImageScreen'
import { QcGrid } from '../screens/QcGrid'
import { ReadingScreen } from '../screens/ReadingScreen'
import { signOut } from './logout'
import { Link, useRoute } from './router'
import { isAdminAnywhere, SessionContext } from './session'
import { loadMe } from './source'

export function App() {
  const [me, setMe] = useState<Me | null>(null)
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    loadMe().then(
      (r) => setMe(unwrap(r)),
      (e: unknown) => setError(String(e)),
    )
  }, [])
  if (error) return <p role="alert" className="page-error">Could not load your session: {error}</p>
  if (!me) return <p className="loading">Loading…</p>
  return (
    <SessionContext.Provider value={me}>
      <Shell me={me} />
    </SessionContext.Provider>
  )
}

function Shell({ me }: { me: Me }) {
  const route = useRoute()
  return (
    <div className="app">
      <header className="topbar">
        <Link href="/" className="brand" aria-label="Arbiter home">
          Arbiter
        </Link>
        <nav aria-label="Main">
          <Link href="/" aria-current={route.name === 'home' ? 'page' : undefined}>
            Worklists
          </Link>
          {isAdminAnywhere(me) && (
            <Link href="/console" aria-current={route.name === 'console' ? 'page' : undefined} data-testid="nav-admin">
              Admin console
            </Link>
          )}
        </nav>
        <div className="who">
          <span data-testid="whoami">{me.username}</span>
          <span className="roles">{me.is_staff ? 'staff' : me.roles.join(', ') || 'no roles'}</span>
          <button type="button" className="link" onClick={signOut} aria-label="Sign out">
            Sign out
          </button>
        </div>
      </header>
      <main className="content">
        <Screen />
      </main>
    </div>
  )
}

function Screen() {
  const route = useRoute()
  switch (route.name) {
    case 'home':
      return <Home />
    case 'read':
      return <ReadingScreen key={`r${route.dataset}`} dataset={route.dataset} mode="read" />
    case 'adjudicate':
      return <ReadingScreen key={`a${route.dataset}`} dataset={route.dataset} mode="adjudicate" />
    case 'image':
      return <ImageScreen key={route.image} imageId={route.image} />
    case 'qc':
      return <QcGrid key={route.dataset} dataset={route.dataset} />
    case 'console':
      return <AdminConsole dataset={route.dataset} section={route.section} />
    default:
      return (
        <section className="panel">
          <h1>Not found</h1>
          <p>
            Nothing lives at <code>{route.path}</code>. <Link href="/">Back to the worklists</Link>.
          </p>
        </section>
      )
  }
}
