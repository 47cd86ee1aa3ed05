// The QC grid's suggested fixes: each cell says what the detector saw and what undoes it; Ctrl+A then
// one key press (f) applies every flag's own fix (rotate back, mirror back, invert back).
import { assert, config, newPage, run, shot, signIn } from './lib.mjs'

await run(async (browser) => {
  const { page, errors } = await newPage(browser)
  await signIn(page, config.user, config.password, `/qc/${config.dataset}`)
  const cells = page.getByTestId('qc-cell')
  await cells.first().waitFor()
  const shown = await cells.count()
  const fixes = await page.getByTestId('qc-fix').allInnerTexts()
  const labels = await cells.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')))
  const previews = await page
    .getByTestId('qc-fix-preview')
    .evaluateAll((els) => els.map((e) => `${e.style.transform}|${e.style.filter}`))
  await page.getByRole('listbox', { name: 'Flagged images' }).focus()
  await page.keyboard.press('Control+a')
  await shot(page, 'qc-fix-selected')
  await page.keyboard.press('f')
  await page.getByTestId('qc-empty').waitFor()
  const status = await page.getByRole('status').innerText()
  await shot(page, 'qc-fix-cleared')
  assert(errors.length === 0, `no page errors: ${errors}`)
  return { shown, fixes, labels, previews, status, errors }
})
