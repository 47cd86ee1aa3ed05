/** The shell's one call: the signed-in user (`GET /me/`), as the typed client answers it. */
import { api } from '../api/client'

export function loadMe() {
  return api.GET('/api/v1/me/')
}
