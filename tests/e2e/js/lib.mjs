// Shared helpers of the browser tests: Debian's chromium or Debian's firefox-esr driven by
// playwright-core (from frontend/node_modules; never a downloaded browser), sign-in through the real
// login page, and screenshots kept under test-artifacts/screenshots/ (suffixed "-firefox" there).
import { createRequire } from 'node:module'
import { mkdirSync } from 'node:fs'
import path from 'node:path'

export const config = JSON.parse(process.argv[2] ?? '{}')
const require = createRequire(path.join(config.frontend, 'package.json'))
const { chromium, firefox } = require('playwright-core')

export const base = config.base
export const browserName = config.browser ?? 'chromium'
if (!['chromium', 'firefox'].includes(browserName)) throw new Error(`unknown browser ${browserName}`)

async function launchChromium() {
  return chromium.launch({
    executablePath: config.chromium ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    // playwright-core starts chromium with a fresh, empty --user-data-dir of its own for launch().
  })
}

// BiDi commands playwright-core sends that a Firefox ESR may not know yet: playwright-core 1.65 sends
// emulation.setMediaFeaturesOverride for every new context (only to set prefers-color-scheme, which
// no scenario here uses) and Debian's firefox-esr 153 answers "unknown command". That answer, to
// these commands only, is taken as success; a Firefox that knows them answers them itself, and any
// other unknown command still fails.
const OPTIONAL_BIDI_COMMANDS = new Set(['emulation.setMediaFeaturesOverride'])

function tolerateOptionalBidiCommands() {
  const { server } = require('playwright-core/lib/coreBundle')
  const proto = server?.WebSocketTransport?.prototype
  if (typeof proto?.send !== 'function') {
    throw new Error('playwright-core changed: no WebSocketTransport to wrap for Firefox (see lib.mjs)')
  }
  if (proto.__arbiterOptional) return
  const send = proto.send
  proto.send = function (message) {
    if (OPTIONAL_BIDI_COMMANDS.has(message?.method)) {
      if (!this.__arbiterOptionalIds) {
        const ids = (this.__arbiterOptionalIds = new Set())
        const onmessage = this.onmessage
        this.onmessage = (m) => {
          if (m?.id !== undefined && ids.delete(m.id) && m.type === 'error' && m.error === 'unknown command') {
            m = { type: 'success', id: m.id, result: {} }
          }
          onmessage?.(m)
        }
      }
      this.__arbiterOptionalIds.add(message.id)
    }
    return send.call(this, message)
  }
  proto.__arbiterOptional = true
}

async function launchFirefox() {
  // Stock Firefox speaks WebDriver BiDi; playwright-core drives it through its "moz-firefox"
  // channel with a fresh profile of its own (its test prefs: no updates, no network chatter).
  tolerateOptionalBidiCommands()
  return firefox.launch({
    channel: 'moz-firefox',
    executablePath: config.firefox ?? '/usr/bin/firefox-esr',
    headless: true,
  })
}

export async function launch() {
  const browser = browserName === 'firefox' ? await launchFirefox() : await launchChromium()
  const close = async () => {
    await browser.close().catch(() => {})
  }
  return { browser, close }
}

const allErrors = []

export async function newPage(browser) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  const page = await context.newPage()
  page.setDefaultTimeout(15000)
  const errors = []
  page.on('pageerror', (e) => {
    errors.push(String(e))
    allErrors.push(String(e?.stack ?? e))
  })
  page.on('console', (m) => {
    // A 4xx answer is the API speaking (the UI shows its message); Chromium logs it as an error,
    // Firefox logs nothing for it (and both report a 5xx, caught below as a response too).
    if (m.type() === 'error' && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) {
      errors.push(m.text())
      allErrors.push(m.text())
    }
  })
  page.on('response', (r) => {
    if (r.status() >= 500) {
      errors.push(`${r.status()} ${r.url()}`)
      allErrors.push(`${r.status()} ${r.url()}`)
    }
  })
  return { context, page, errors }
}

export async function signIn(page, username, password, next = '/') {
  await page.goto(base + next)
  await page.waitForURL(/\/accounts\/login\//)
  await page.getByLabel('Username').fill(username)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.waitForSelector('[data-testid="whoami"]')
}

export async function shot(page, name) {
  mkdirSync(config.screenshots, { recursive: true })
  const suffix = browserName === 'chromium' ? '' : `-${browserName}`
  const file = path.join(config.screenshots, `${name}${suffix}.png`)
  await page.screenshot({ path: file })
  return file
}

/** Runs `body` and prints its result as one JSON line (the pytest side parses the last line). */
export async function run(body) {
  const { browser, close } = await launch()
  try {
    const result = await body(browser)
    console.log(JSON.stringify({ ok: true, ...result }))
  } catch (e) {
    // Keep what the pages showed when it failed, for the person reading the failure.
    let n = 0
    for (const context of browser.contexts()) {
      for (const page of context.pages()) {
        await shot(page, `FAILED-${n++}`).catch(() => {})
      }
    }
    console.log(JSON.stringify({ ok: false, error: `${e?.stack ?? e}\npage errors: ${allErrors.join('\n')}` }))
    process.exitCode = 1
  } finally {
    await close()
  }
}

export function assert(cond, message) {
  if (!cond) throw new Error(`assertion failed: ${message}`)
}
