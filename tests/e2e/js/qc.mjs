// The QC grid: filter by kind, select a batch with click / Shift+click / Ctrl+click, confirm it with
// the c key; then correct the remaining flag by keyboard (Space selects, i inverts).
import { assert, config, newPage, run, shot, signIn } from './lib.mjs'

await run(async (browser) => {
  const { page, errors } = await newPage(browser)
  await signIn(page, config.user, config.password, `/qc/${config.dataset}`)
  const cells = page.getByTestId('qc-cell')
  await cells.first().waitFor()
  const shownAll = await cells.count()
  await page.getByLabel('Filter by flag type').selectOption('rotated')
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="qc-cell"]').length === 4)
  const ids = await cells.evaluateAll((els) => els.map((e) => Number(e.dataset.flagId)))
  await cells.nth(0).click()
  await cells.nth(2).click({ modifiers: ['Shift'] })
  await cells.nth(3).click({ modifiers: ['Control'] })
  const counter = await page.getByTestId('qc-count').innerText()
  await shot(page, 'qc-grid-selected')
  await page.keyboard.press('c')
  await page.getByTestId('qc-empty').waitFor()
  const status = await page.getByRole('status').innerText()

  await page.getByLabel('Filter by flag type').selectOption('')
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="qc-cell"]').length === 1)
  await page.getByRole('listbox', { name: 'Flagged images' }).focus()
  await page.keyboard.press(' ')
  await page.keyboard.press('i')
  await page.getByTestId('qc-empty').waitFor()
  await shot(page, 'qc-grid-cleared')
  assert(errors.length === 0, `no page errors: ${errors}`)
  return { shownAll, ids, counter, status, errors }
})
