// The admin console's reading-policy form: change readers per item and the NLP-evidence switch,
// save, reload and see the saved values; a bad value shows the server's message beside the control.
// A radiologist opening the console gets no form.
import { assert, config, newPage, run, shot, signIn } from './lib.mjs'

/** Types `text` into a number field the way a person does: select what is there, type over it. */
async function typeNumber(input, text) {
  await input.focus()
  await input.press('ControlOrMeta+a')
  await input.press('Backspace')
  await input.pressSequentially(text)
  const value = await input.inputValue()
  assert(value === text, `the field shows ${value}, not ${text}`)
}

await run(async (browser) => {
  const { page, errors } = await newPage(browser)
  await signIn(page, config.admin, config.password, `/console/${config.dataset}`)
  const form = page.getByTestId('policy-form')
  const readers = form.getByLabel('Readers per item')
  const nlp = form.getByLabel('Show NLP evidence')
  const save = form.getByRole('button', { name: 'Save policy' })
  const status = form.getByTestId('policy-status')
  const before = { readers: await readers.inputValue(), nlp: await nlp.isChecked(), saveEnabled: await save.isEnabled() }

  await typeNumber(readers, '2')
  await nlp.uncheck()
  const pending = await status.innerText()
  await save.click()
  await status.getByText(/Reading policy saved/).waitFor()
  const saved = await status.innerText()

  await page.reload()
  await readers.waitFor()
  const afterReload = { readers: await readers.inputValue(), nlp: await nlp.isChecked() }

  await typeNumber(readers, '0')
  await save.click()
  const alert = await form.getByRole('alert').innerText()
  const fieldError = await page.locator('#policy-readers_per_item-error').innerText()
  const invalid = await readers.getAttribute('aria-invalid')
  await shot(page, 'admin-policy-form')
  assert(errors.length === 0, `no page errors: ${errors}`)

  // A radiologist never reaches the form: the console is not available to them.
  const reader = await newPage(browser)
  await signIn(reader.page, config.reader, config.password, `/console/${config.dataset}`)
  await reader.page.getByText('Not available').waitFor()
  const readerForms = await reader.page.getByTestId('policy-form').count()
  return { before, pending, saved, afterReload, alert, fieldError, invalid, readerForms, errors }
})
