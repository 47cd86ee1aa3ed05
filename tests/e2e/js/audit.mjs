// Platform staff see the access audit in the admin console; a dataset admin does not.
import { assert, config, base, newPage, run, shot, signIn } from './lib.mjs'

await run(async (browser) => {
  const staff = await newPage(browser)
  await signIn(staff.page, config.staff, config.password)
  await staff.page.goto(base + '/console')
  await staff.page.getByTestId('audit-table').waitFor()
  const auditText = await staff.page.getByTestId('audit-table').innerText()
  await shot(staff.page, 'admin-console-audit')

  const admin = await newPage(browser)
  await signIn(admin.page, config.admin, config.password)
  await admin.page.goto(base + '/console')
  await admin.page.getByTestId('admin-console').waitFor()
  await admin.page.getByRole('heading', { name: 'Reading policy' }).waitFor()
  const adminAuditPanels = await admin.page.getByTestId('audit-log').count()
  assert(auditText.length > 0, 'the audit table has rows')
  return { auditText, adminAuditPanels }
})
