// The admin console's NLP loop panel: the groups of reports whose NLP label the final label
// contradicts, largest first, with the evidence highlighted; a finding filter narrows them. The
// report text is shown as text (its hostile tail never runs).
import { assert, config, newPage, run, shot, signIn } from './lib.mjs'

await run(async (browser) => {
  const { page, errors } = await newPage(browser)
  await signIn(page, config.admin, config.password, `/console/${config.dataset}`)
  const panel = page.getByTestId('nlp-contradictions')
  const table = panel.getByTestId('nlp-contradictions-table')
  await table.waitFor()
  const summary = await panel.getByTestId('nlp-contradictions-summary').innerText()
  const rows = await table.locator('tbody tr').allInnerTexts()
  const marks = await table.locator('tbody tr').first().locator('mark').allInnerTexts()
  await panel.scrollIntoViewIfNeeded()
  await shot(page, 'admin-nlp-loop')

  await panel.getByLabel('Finding').selectOption('Emphysema')
  await table.locator('tbody tr').first().getByRole('cell', { name: 'Emphysema', exact: true }).waitFor()
  await table.locator('tbody tr').nth(1).waitFor({ state: 'detached' })
  const filtered = await table.locator('tbody tr').allInnerTexts()
  const pwned = await page.evaluate(() => window.__pwned ?? null)
  assert(errors.length === 0, `no page errors: ${errors}`)
  return { summary, rows, marks, filtered, pwned, errors }
})
