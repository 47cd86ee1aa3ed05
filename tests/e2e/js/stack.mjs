// Stack scrolling on the reading screen (issue #17.4): the wheel and the arrow keys step through the
// study's images (the neighbours preloaded), the item being labelled stays the same, the 'not the
// item' banner shows while another image is on screen, and Enter submits nothing until back.
import { assert, config, newPage, run, shot, signIn } from './lib.mjs'

const painted = (page) => page.waitForSelector('[data-testid="viewer-image"][data-painted="1"]')
const root = (page, name) => page.getByTestId('reading').getAttribute(name).then(Number)

await run(async (browser) => {
  const { page, errors } = await newPage(browser)
  const requests = []
  page.on('request', (r) => {
    const u = new URL(r.url())
    if (u.pathname.includes('/pixels/') && !u.search.includes('by=test')) requests.push({ path: u.pathname, at: Date.now() })
  })
  await signIn(page, config.reader, config.password, `/read/${config.dataset}`)
  await page.getByTestId('reading').waitFor()
  await painted(page)
  const item = await root(page, 'data-image-id')
  const studyIds = await page.evaluate(async (id) => {
    const im = await (await fetch(`/api/v1/images/${id}/`)).json()
    return (await (await fetch(`/api/v1/studies/${im.study}/`)).json()).image_ids
  }, item)
  const pos = await page.getByTestId('viewer-stack-position').innerText()
  const [, k, count] = pos.match(/Image (\d+) \/ (\d+)/).map(Number)
  const dir = k < count ? 1 : -1
  const box = await page.locator('.viewer-canvas').boundingBox()
  const centre = [box.x + box.width / 2, box.y + box.height / 2]
  // Let the preload of the neighbours finish (their planes are then in memory).
  await page.waitForFunction(
    ([ids, i]) => performance.getEntriesByType('resource').some((e) => e.name.includes(`/images/${ids[i]}/pixels/`)),
    [studyIds, k - 1 + dir],
  )
  const steps = []
  let at = k - 1
  let firstStepAt = 0
  async function step(how, d) {
    at += d
    const t0 = Date.now()
    if (how === 'wheel') {
      await page.mouse.move(...centre)
      if (!firstStepAt) firstStepAt = Date.now()
      await page.mouse.wheel(0, 100 * d)
    } else {
      if (!firstStepAt) firstStepAt = Date.now()
      await page.keyboard.press(d > 0 ? 'ArrowRight' : 'ArrowLeft')
    }
    await page.waitForSelector(`[data-testid="viewer-image"][data-image-id="${studyIds[at]}"][data-painted="1"]`)
    // Input to the new image painted, as the test sees it (an upper bound: driver round trips included).
    const ms = Date.now() - t0
    steps.push({
      ms,
      how,
      item: await root(page, 'data-image-id'),
      shown: await root(page, 'data-shown-image-id'),
      banner: (await page.getByTestId('not-the-item').count()) > 0,
      position: await page.getByTestId('viewer-stack-position').innerText(),
    })
  }
  await step('wheel', dir)
  await shot(page, 'reading-stack-scrolled')
  // Enter while another image is shown: nothing is submitted, the item stays.
  await page.keyboard.press('x')
  await page.keyboard.press('Enter')
  await page.waitForTimeout(500)
  const submitAway = { item: await root(page, 'data-image-id'), shown: await root(page, 'data-shown-image-id') }
  await step('arrow', -dir)
  await step('arrow', dir)
  await step('wheel', -dir)
  const neighbour = `/api/v1/images/${studyIds[k - 1 + dir]}/pixels/`
  const preloadedBeforeStep = requests.some((q) => q.path === neighbour && q.at < firstStepAt)
  assert(errors.length === 0, errors.join('\n'))
  return { item, studyIds, count, steps, submitAway, preloadedBeforeStep, requests, errors }
})
