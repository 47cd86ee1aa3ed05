// The admin console's upload form: a DICOM file posted as multipart becomes an import job whose
// progress bar fills; the dataset's image count follows.
import { assert, config, newPage, run, shot, signIn } from './lib.mjs'

await run(async (browser) => {
  const { page, errors } = await newPage(browser)
  await signIn(page, config.user, config.password, `/console/${config.dataset}`)
  await page.getByLabel('Importer').selectOption('dicom')
  await page.getByLabel('File', { exact: true }).setInputFiles(config.file)
  await page.getByRole('button', { name: 'Upload and import' }).click()
  const status = await page.getByText(/Import job #\d+ queued/).innerText()
  const row = page.locator('[data-testid="jobs-table"] tbody tr').first()
  await row.locator('.status-succeeded').waitFor({ timeout: 30000 })
  const progress = await row.locator('progress').evaluate((p) => [p.value, p.max])
  const rowText = await row.innerText()
  await shot(page, 'admin-import-job')
  assert(errors.length === 0, `no page errors: ${errors}`)
  return { status, progress, rowText, errors }
})
