/** Sign out: Django's LogoutView takes a POST with the CSRF token, then goes to the sign-in page. */
import { csrfToken } from '../api/client'

export function signOut(): void {
  const form = document.createElement('form')
  form.method = 'post'
  form.action = '/accounts/logout/'
  for (const [name, value] of [
    ['csrfmiddlewaretoken', csrfToken()],
    ['next', '/accounts/login/'],
  ]) {
    const input = document.createElement('input')
    input.type = 'hidden'
    input.name = name
    input.value = value
    form.appendChild(input)
  }
  document.body.appendChild(form)
  form.submit()
}
