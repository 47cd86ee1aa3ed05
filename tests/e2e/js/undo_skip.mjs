// Undo and skip on the reading screen (issue #17.5): submit an item with one finding present, undo
// it (z) within the grace period and find the answers back, submit again; then skip the next item
// with a reason through the dialog (s) and get the one after.
import { assert, config, newPage, run, shot, signIn } from './lib.mjs'

const shownImage = async (page) => Number(await page.getByTestId('reading').getAttribute('data-image-id'))
const painted = (page) => page.waitForSelector('[data-testid="viewer-image"][data-painted="1"]')

await run(async (browser) => {
  const { page, errors } = await newPage(browser)
  await signIn(page, config.reader, config.password, `/read/${config.dataset}`)
  await page.getByTestId('reading').waitFor()
  await painted(page)
  const first = await shownImage(page)
  await page.keyboard.press('p') // the first finding present
  await page.keyboard.press('x')
  await page.waitForSelector('[data-testid="reading"][data-next-ready="1"]')
  await page.keyboard.press('Enter')
  await page.waitForFunction((img) => Number(document.querySelector('[data-testid="reading"]')?.dataset.imageId) !== img, first)
  const toast = await page.getByTestId('undo-toast').innerText()
  await shot(page, 'reading-undo-toast')
  await page.keyboard.press('z')
  await page.waitForFunction((img) => Number(document.querySelector('[data-testid="reading"]')?.dataset.imageId) === img, first)
  const restored = await page.locator('li.finding').evaluateAll((els) => els.map((e) => e.dataset.value))
  const toastAfterUndo = await page.getByTestId('undo-toast').count()
  await page.keyboard.press('Enter')
  await page.waitForFunction((img) => Number(document.querySelector('[data-testid="reading"]')?.dataset.imageId) !== img, first)
  const second = await shownImage(page)
  await painted(page)

  await page.keyboard.press('s')
  await page.getByTestId('skip-dialog').waitFor()
  const confirmDisabled = await page.getByTestId('skip-confirm').isDisabled()
  await page.getByLabel(/Image not diagnostic/).check()
  await page.getByLabel(/^Note/).pressSequentially('motion blur')
  await shot(page, 'reading-skip-dialog')
  await page.getByTestId('skip-confirm').click()
  await page.waitForFunction(
    (img) => {
      const r = document.querySelector('[data-testid="reading"]')
      return document.querySelector('[data-testid="worklist-empty"]') || (r && Number(r.dataset.imageId) !== img)
    },
    second,
  )
  const third = (await page.getByTestId('reading').count()) ? await shownImage(page) : null
  assert(errors.length === 0, errors.join('\n'))
  return { first, second, third, toast, restored, toastAfterUndo, confirmDisabled }
})
