// An admin launches a training run from the console form, watches its progress to the end, opens
// the new model version's metrics (ROC curves, per-finding AUROC) and promotes it.
import { assert, config, newPage, run, shot, signIn } from './lib.mjs'
config.base ??= ''

await run(async (browser) => {
  const { page, errors } = await newPage(browser)
  await signIn(page, config.user, config.password, `/console/${config.dataset}`)
  await page.getByLabel('Epochs').fill(String(config.epochs))
  await page.getByLabel('Advanced settings (JSON, optional)').fill(JSON.stringify(config.advanced))
  await page.getByTestId('launch-training').click()
  await page.getByText(/Training run #\d+ queued/).waitFor({ timeout: 60_000 }) // the POST snapshots the data
  const row = page.locator('[data-testid="training-runs"] tbody tr').first()
  // Progress as the worker reports it: watch the row until the run ends.
  const seen = new Set()
  const deadline = Date.now() + config.timeoutMs
  let status = ''
  while (Date.now() < deadline) {
    status = (await row.getAttribute('data-status')) ?? ''
    const bar = await row.locator('progress').evaluate((p) => `${p.value}/${p.max}`).catch(() => '')
    seen.add(`${status} ${bar}`)
    if (status === 'running' && !seen.has('shot')) {
      seen.add('shot')
      await row.scrollIntoViewIfNeeded()
      await shot(page, 'training-running')
    }
    if (['succeeded', 'failed', 'cancelled'].includes(status)) break
    await page.waitForTimeout(250)
  }
  const rowText = await row.innerText()
  assert(status === 'succeeded', `run ended ${status}: ${rowText}`)
  const versions = page.locator('[data-testid="model-versions"] tbody tr')
  await versions.first().waitFor()
  await versions.first().getByRole('button', { name: 'Metrics' }).click()
  await page.getByTestId('version-metrics').waitFor()
  await page.getByTestId('auroc-table').waitFor()
  const rocCurves = await page.locator('[data-testid="roc-plot"] path').count()
  const aurocRows = await page.locator('[data-testid="auroc-table"] tbody tr').count()
  await page.getByTestId('version-metrics').scrollIntoViewIfNeeded()
  await shot(page, 'model-metrics')
  await versions.first().getByRole('button', { name: /Promote/ }).click()
  // Promotion asks first, with the metrics beside the question.
  const confirm = await page.getByTestId('promote-confirm').innerText()
  await page.getByTestId('promote-confirm-yes').click()
  const promoted = await page.getByText(/is now production/).innerText()

  // The promoted model's heat map over an image in the reading screen (key o).
  await page.goto(`${config.base}/read/${config.dataset}`)
  await page.getByTestId('reading').waitFor()
  await page.waitForSelector('[data-testid="viewer-image"][data-painted="1"]')
  await page.keyboard.press('o')
  await page.waitForFunction(() => {
    const el = document.querySelector('[data-testid="viewer-heatmap"]')
    return el && el.complete && el.naturalWidth > 0
  })
  const heatmap = await page.getByTestId('viewer-heatmap').getAttribute('src')
  await shot(page, 'reading-heatmap')
  return { seen: [...seen].filter((s) => s !== 'shot'), rowText, rocCurves, aurocRows, promoted, confirm, heatmap, errors }
})
