// The admin console's jobs table: a queued scoring job has a labelled Cancel button; clicking it
// shows the job cancelled and the button goes. An import job running beside it can be cancelled too
// (every kind can, issue #19); a finished job offers no cancel.
import { assert, config, newPage, run, shot, signIn } from './lib.mjs'

await run(async (browser) => {
  const { page, errors } = await newPage(browser)
  await signIn(page, config.admin, config.password, `/console/${config.dataset}`)
  const table = page.getByTestId('jobs-table')
  await table.waitFor()
  const row = page.getByTestId(`job-${config.scoringJob}`)
  const cancel = row.getByRole('button', { name: `Cancel scoring job ${config.scoringJob}` })
  const statusBefore = await row.getAttribute('data-status')
  const importCancel = await page
    .getByTestId(`job-${config.importJob}`)
    .getByRole('button', { name: `Cancel import job ${config.importJob}` })
    .count()
  const doneButtons = await page.getByTestId(`job-${config.doneJob}`).getByRole('button').count()
  await cancel.click()
  await page.locator(`[data-testid="job-${config.scoringJob}"][data-status="cancelled"]`).waitFor()
  const statusCell = await row.locator('td').nth(2).innerText()
  const buttonsAfter = await row.getByRole('button').count()
  await shot(page, 'admin-job-cancelled')
  assert(errors.length === 0, `no page errors: ${errors}`)
  return { statusBefore, importCancel, doneButtons, statusCell, buttonsAfter, errors }
})
