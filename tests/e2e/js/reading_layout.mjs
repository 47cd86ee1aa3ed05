// The reading screen at 1280x800 and 1920x1080 with 4, 14 and 16 findings (issue #17.1/2): the
// report shows at least 8 lines, no control overlaps another, the "n of N" counter counts, the
// "answer every finding" message goes once all are answered; another image of the study opens with
// an unmistakable banner, submit is impossible while it is shown, and one key (b) goes back.
import { assert, base, config, newPage, run, shot, signIn } from './lib.mjs'

/** Report lines shown, and every pair of visible controls whose boxes overlap. */
async function measure(page) {
  return page.evaluate(() => {
    const report = document.querySelector('[data-testid="report"]')
    const lh = parseFloat(getComputedStyle(report).lineHeight)
    const scroll = document.querySelector('[data-testid="reading-scroll"]').getBoundingClientRect()
    const side = document.querySelector('.reading-side')
    // The whole workspace: the labels side and the viewer's toolbar, text overlays and study strip.
    const sel =
      'button, textarea, select, input, summary, .finding-name, .hint, .report, [data-testid="progress"], [role="alert"], h1, .viewer-overlay, .study-strip'
    const boxes = []
    const offscreen = []
    for (const el of document.querySelector('.workspace').querySelectorAll(sel)) {
      const r = el.getBoundingClientRect()
      if (r.width < 1 || r.height < 1) continue
      // Rows scrolled out of the findings region are not on screen.
      if (el.closest('[data-testid="reading-scroll"]') && (r.bottom <= scroll.top || r.top >= scroll.bottom)) continue
      // Thumbnails scrolled sideways in the study strip are not on screen either.
      if (el.closest('.study-strip') && el !== el.closest('.study-strip')) continue
      boxes.push({ el, r })
      if (r.left < -0.5 || r.top < -0.5 || r.right > innerWidth + 0.5 || r.bottom > innerHeight + 0.5) offscreen.push(el)
    }
    const name = (el) => `${el.tagName.toLowerCase()}.${el.className || ''}[${(el.textContent || '').trim().slice(0, 24)}]`
    const overlaps = []
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i]
        const b = boxes[j]
        if (a.el.contains(b.el) || b.el.contains(a.el)) continue
        // Text overlays lie on the image by design; they must not lie on each other or on a control.
        const w = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left)
        const h = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top)
        if (w > 0.5 && h > 0.5) overlaps.push(`${name(a.el)} x ${name(b.el)}`)
      }
    }
    const sideBox = side.getBoundingClientRect()
    const submit = document.querySelector('[data-testid="submit"]').getBoundingClientRect()
    return {
      reportHeight: report.clientHeight,
      reportLines: report.clientHeight / lh,
      reportContentLines: report.scrollHeight / lh,
      findingsVisible: [...document.querySelectorAll('li.finding')].filter((li) => {
        const r = li.getBoundingClientRect()
        return r.top >= scroll.top - 1 && r.bottom <= scroll.bottom + 1
      }).length,
      submitVisible: submit.bottom <= sideBox.bottom + 0.5 && submit.top >= sideBox.top,
      overlaps,
      offscreen: offscreen.map(name),
      controls: boxes.length,
      viewerControls: boxes.filter((b) => !side.contains(b.el)).length,
    }
  })
}

const text = (page, id) => page.getByTestId(id).innerText()

await run(async (browser) => {
  const results = []
  for (const viewport of [
    { width: 1280, height: 800 },
    { width: 1920, height: 1080 },
  ]) {
    const { context, page, errors } = await newPage(browser)
    await page.setViewportSize(viewport)
    await signIn(page, config.reader, config.password, '/')
    for (const ds of config.datasets) {
      await page.goto(`${base}/read/${ds.id}`)
      await page.waitForSelector('[data-testid="viewer-image"][data-painted="1"]')
      const m = await measure(page)
      const progress0 = await text(page, 'progress')
      await page.keyboard.press('Enter')
      const problem = await text(page, 'submit-problem')
      // Answer every finding one by one (a = absent), the counter following.
      const n = await page.locator('li.finding').count()
      for (let i = 0; i < n; i++) await page.keyboard.press('a')
      const progress1 = await text(page, 'progress')
      const problemsAfter = await page.getByTestId('submit-problem').count()
      const after = await measure(page)
      await shot(page, `reading-layout-${ds.schema}-${viewport.width}x${viewport.height}`)
      let away = null
      if (ds.studyImages > 1 && viewport.width === 1280) {
        const item = Number(await page.getByTestId('reading').getAttribute('data-image-id'))
        // The item may be any image of its study: step towards the other end of the stack.
        const [, k, count] = (await text(page, 'viewer-stack-position')).match(/Image (\d+) \/ (\d+)/).map(Number)
        await page.keyboard.press(k < count ? ']' : '[')
        await page.waitForSelector('[data-testid="not-the-item"]')
        await page.waitForFunction(
          (img) => Number(document.querySelector('[data-testid="reading"]').dataset.shownImageId) !== img,
          item,
        )
        const shownOther = Number(await page.getByTestId('reading').getAttribute('data-shown-image-id'))
        await page.waitForSelector(`[data-testid="viewer-image"][data-image-id="${shownOther}"][data-painted="1"]`)
        const banner = await text(page, 'not-the-item')
        const submitDisabled = await page.getByTestId('submit').isDisabled()
        await page.keyboard.press('Enter') // must not submit
        await page.waitForTimeout(300)
        const stillItem = Number(await page.getByTestId('reading').getAttribute('data-image-id'))
        const awayProblem = await text(page, 'submit-problem')
        await shot(page, 'reading-other-image-banner-1280x800')
        await page.keyboard.press('b')
        await page.waitForSelector('[data-testid="not-the-item"]', { state: 'detached' })
        const back = Number(await page.getByTestId('reading').getAttribute('data-shown-image-id'))
        away = { item, shownOther, banner, submitDisabled, stillItem, awayProblem, back }
      }
      results.push({ viewport: `${viewport.width}x${viewport.height}`, schema: ds.schema, n, m, after, progress0, progress1, problem, problemsAfter, away })
    }
    assert(errors.length === 0, `page errors: ${errors.join('\n')}`)
    await context.close()
  }
  return { results }
})
