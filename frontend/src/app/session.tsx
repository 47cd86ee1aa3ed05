/** The signed-in user and their roles (from GET /api/v1/me/), shared with every screen. */
import { createContext, useContext } from 'react'
import type { Me, Role } from '../api/types'

export const SessionContext = createContext<Me | null>(null)

export function useMe(): Me {
  const me = useContext(SessionContext)
  if (!me) throw new Error('useMe outside a signed-in session')
  return me
}

export function rolesOn(me: Me, dataset: number): Role[] {
  return me.memberships.find((m) => m.dataset === dataset)?.roles ?? []
}

export function isAdminOn(me: Me, dataset: number): boolean {
  return me.is_staff || rolesOn(me, dataset).includes('admin')
}

export function isAdminAnywhere(me: Me): boolean {
  return me.is_staff || me.roles.includes('admin')
}

export function canRead(me: Me, dataset: number): boolean {
  const r = rolesOn(me, dataset)
  return r.includes('radiologist') || r.includes('adjudicator')
}
