// An admin sees the admin console; a radiologist sees neither the link nor the console.
import { assert, config, base, newPage, run, shot, signIn } from './lib.mjs'

await run(async (browser) => {
  const admin = await newPage(browser)
  await signIn(admin.page, config.admin, config.password)
  await admin.page.getByTestId('nav-admin').click()
  await admin.page.getByTestId('admin-console').waitFor()
  await admin.page.getByRole('heading', { name: 'Reading policy' }).waitFor()
  await admin.page.getByLabel('Importer').waitFor()
  const adminText = await admin.page.locator('main').innerText()
  await shot(admin.page, 'admin-console')

  const reader = await newPage(browser)
  await signIn(reader.page, config.reader, config.password)
  await reader.page.locator('[data-testid^="dataset-"]').first().waitFor()
  const readerNavAdmin = await reader.page.getByTestId('nav-admin').count()
  const readerAdminLinks = await reader.page.getByTestId('dataset-admin-link').count()
  const readerHome = await reader.page.locator('main').innerText()
  await shot(reader.page, 'radiologist-home')
  await reader.page.goto(base + '/console')
  await reader.page.getByRole('heading', { name: 'Not available' }).waitFor()
  const readerConsole = await reader.page.locator('main').innerText()
  const consoleCount = await reader.page.getByTestId('admin-console').count()
  assert(readerNavAdmin === 0, 'radiologist has no admin link')
  return { adminText, readerNavAdmin, readerAdminLinks, readerHome, readerConsole, consoleCount }
})
