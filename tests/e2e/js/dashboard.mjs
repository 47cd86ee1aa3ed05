// The dataset dashboard at the top of the admin console at 1280x800: counts, the kappa plot, reader
// progress, and a job started from its button shows its live progress to the end.
import { assert, config, newPage, run, shot, signIn } from './lib.mjs'

await run(async (browser) => {
  const { page, errors } = await newPage(browser)
  await signIn(page, config.admin, config.password, `/console/${config.dataset}`)
  const dash = page.getByTestId('dashboard')
  await dash.locator('.tile').first().waitFor()
  const top = await page.evaluate(() => {
    const main = document.querySelector('.console-main')
    return main.firstElementChild?.getAttribute('data-testid')
  })
  const tiles = await dash.locator('.tile').evaluateAll((els) =>
    Object.fromEntries(els.map((e) => [e.dataset.tile, Number(e.querySelector('.tile-value').textContent)])),
  )
  const kappaRows = await dash.locator('[data-testid="kappa-plot"] g').count()
  const readers = await dash
    .locator('[data-testid="reader-progress"] tbody tr')
    .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.innerText)))
  const box = await dash.boundingBox()
  await shot(page, 'console-dashboard-1280x800')
  await dash.locator('[data-job="nlp"]').click()
  await page.getByTestId('dashboard-message').waitFor()
  const message = await page.getByTestId('dashboard-message').innerText()
  await page.waitForSelector('[data-testid="job-live"] li[data-kind="nlp"][data-status="succeeded"]', { timeout: 60000 })
  const afterNlp = await dash.locator('.tile[data-tile="nlp"] .tile-value').innerText()
  assert(errors.length === 0, errors.join('\n'))
  return { top, tiles, kappaRows, readers, box, message, afterNlp }
})
