// The admin console's protocol preset picker and the panel of cases stuck without an eligible
// adjudicator: the dataset starts on the "assisted" preset; the admin applies Google's; the stuck
// case is listed with why.
import { assert, config, newPage, run, shot, signIn } from './lib.mjs'

await run(async (browser) => {
  const { page, errors } = await newPage(browser)
  await signIn(page, config.admin, config.password, `/console/${config.dataset}`)
  const picker = page.getByTestId('preset-picker')
  const current = picker.getByTestId('preset-current')
  await current.getByText(/Assisted reading/).waitFor()
  const before = await current.innerText()
  const stuck = page.getByTestId('stuck-cases')
  await stuck.getByText(/1 case waits/).waitFor()
  const stuckText = await stuck.innerText()

  await picker.getByLabel('Protocol preset').selectOption('google')
  await picker.getByRole('button', { name: 'Apply preset' }).click()
  await current.getByText(/Google ChestX-ray14 relabelling/).waitFor()
  const after = await current.innerText()
  const form = page.getByTestId('policy-form')
  const rounds = await form.getByLabel('Adjudication rounds (limit)').inputValue()
  const report = await form.getByLabel('Show the report on the first read').isChecked()
  await shot(page, 'admin-protocol-preset')
  assert(errors.length === 0, `no page errors: ${errors}`)
  return { before, after, stuckText, rounds, report, errors }
})
