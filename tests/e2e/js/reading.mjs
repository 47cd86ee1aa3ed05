// Three readers read the same item with a disagreement (reader 1 says the first finding is present,
// the others absent), each moves on to the preloaded next item (submit-to-paint is measured), then
// all three adjudicate in round 1 (reader 1 revises with a comment), and an admin sees the final
// label and exports a snapshot.
import { assert, base, config, newPage, run, shot, signIn } from './lib.mjs'

const painted = (page) => page.waitForSelector('[data-testid="viewer-image"][data-painted="1"]')

async function readOne(page, { present, shotName }) {
  const root = page.getByTestId('reading')
  await root.waitFor()
  await painted(page)
  const image = Number(await root.getAttribute('data-image-id'))
  const kind = await root.getAttribute('data-task-kind')
  const firstFinding = await page.locator('li.finding').first().getAttribute('data-finding')
  const report = await page.evaluate(() => {
    const el = document.querySelector('[data-testid="report"]')
    return {
      text: el?.textContent ?? null,
      elements: el ? el.querySelectorAll('script, img').length : null,
      pwned: window.__pwned ?? null,
    }
  })
  if (present) await page.keyboard.press('p')
  await page.keyboard.press('x')
  // A reader looks at the image for a while; by then the next item is claimed and decoded.
  await page.waitForSelector('[data-testid="reading"][data-next-ready="1"]')
  if (shotName) await shot(page, shotName)
  const before = await page.evaluate(() => window.__arbiter?.submitToPaint.length ?? 0)
  await page.keyboard.press('Enter')
  await page.waitForFunction(
    ([img, n]) => {
      const r = document.querySelector('[data-testid="reading"]')
      return r && Number(r.getAttribute('data-image-id')) !== img && (window.__arbiter?.submitToPaint.length ?? 0) > n
    },
    [image, before],
  )
  const ms = await page.evaluate(() => window.__arbiter.submitToPaint.at(-1))
  return { image, kind, firstFinding, ms, report }
}

await run(async (browser) => {
  const t0 = Date.now()
  const phases = {}
  const readers = []
  const timings = []
  const firstReads = []
  for (const [i, name] of config.readers.entries()) {
    const { page, errors } = await newPage(browser)
    await signIn(page, name, config.password, `/read/${config.dataset}`)
    phases[`signin${i}`] = Date.now() - t0
    const a = await readOne(page, { present: i === 0, shotName: i === 0 ? 'reading-first-read' : null })
    phases[`readA${i}`] = Date.now() - t0
    const b = await readOne(page, { present: false, shotName: null })
    firstReads.push([a, b])
    timings.push(a.ms, b.ms)
    readers.push({ page, errors })
  }
  const item = firstReads[0][0].image
  assert(firstReads.every(([a]) => a.image === item), `all read the same first item: ${JSON.stringify(firstReads)}`)

  // Adjudication round 1: each reader opens the worklist again; the owed round comes first.
  const adjudication = []
  let similar = ''
  for (const [i, { page }] of readers.entries()) {
    await page.goto(`${base}/read/${config.dataset}`)
    const root = page.getByTestId('reading')
    await page.waitForSelector('[data-testid="reading"][data-task-kind="adjudication"]')
    await painted(page)
    const rows = await page.locator('li.finding').evaluateAll((els) =>
      els.map((e) => ({ finding: e.dataset.finding, value: e.dataset.value, disputed: e.classList.contains('disputed') })),
    )
    const others = await page.locator('li.finding .others').first().innerText()
    if (i === 0) {
      // Similar cases and priors open on demand; with no model yet the panel says so.
      await page.getByText('Similar cases and priors').click()
      await page.locator('[data-testid="similar-unavailable"], [data-testid="similar-hidden"], [data-testid="similar-case"]').first().waitFor()
      await page.getByTestId('priors').waitFor()
      similar = await page.getByTestId('similar-cases').innerText()
      await page.getByText('Similar cases and priors').click()
      await page.keyboard.press('a')
      await page.keyboard.press('c')
      await page.keyboard.type('On review the base is clear')
      await page.keyboard.press('Escape')
      await shot(page, 'adjudication-round-1')
    }
    await page.keyboard.press('Enter')
    await page.waitForFunction(
      (img) => {
        const r = document.querySelector('[data-testid="reading"]')
        const empty = document.querySelector('[data-testid="worklist-empty"]')
        return empty || (r && (Number(r.getAttribute('data-image-id')) !== img || r.dataset.taskKind !== 'adjudication'))
      },
      Number(await root.getAttribute('data-image-id')),
    )
    adjudication.push({ rows, others })
  }

  phases.adjudicated = Date.now() - t0
  // The admin sees the final label and exports a snapshot.
  const { page: admin } = await newPage(browser)
  await signIn(admin, config.admin, config.password, `/console/${config.dataset}`)
  await admin.getByTestId('final-labels').waitFor()
  const finals = await admin
    .locator('[data-testid="final-labels"] tbody tr')
    .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.innerText)))
  await admin.getByTestId('snapshot-create').click()
  await admin.waitForSelector('[data-testid="snapshots"] tr[data-status="ready"]', { timeout: 30000 })
  // The message follows the snapshot's status (it said "is being written" forever before).
  await admin.waitForFunction(() => /is ready/.test(document.querySelector('[data-testid="snapshot-message"]')?.textContent ?? ''))
  const snapshotMessage = await admin.getByTestId('snapshot-message').innerText()
  await admin.getByRole('heading', { name: /Final labels/i }).scrollIntoViewIfNeeded()
  await shot(admin, 'admin-final-labels')
  await admin.getByTestId('snapshots').scrollIntoViewIfNeeded()
  await shot(admin, 'admin-snapshot')
  const href = await admin.getByTestId('download-csv-1').getAttribute('href')
  const csv = await admin.evaluate(async (u) => {
    const r = await fetch(u)
    return { status: r.status, sha: r.headers.get('X-Content-SHA256'), text: await r.text() }
  }, href)
  const errors = readers.flatMap((r) => r.errors)
  phases.end = Date.now() - t0
  return {
    similar,
    snapshotMessage,
    phases, item, firstReads, timings, adjudication, finals, csv, errors }
})
