"""Driving the two pages in a real headless browser (Chromium through Selenium): a scripted
participant clicks through a study, and a photo is uploaded to the colorize page. Used by the
browser tests and by results/study/make_example.sh for the screenshots.
"""

import os
import shutil
import time


def chromium(width=1200, height=900):
    """A headless Chromium WebDriver (the system's chromium and chromedriver, e.g. Debian's packages)."""
    from deepcolor.errors import DeepColorError, import_extra
    webdriver = import_extra("selenium.webdriver", "driving a browser", extra="dev")
    from selenium.webdriver.chrome.service import Service
    binary = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    driver_path = shutil.which("chromedriver")
    if not binary or not driver_path:
        raise DeepColorError("no chromium and chromedriver on PATH (Debian: apt-get install chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 f"--window-size={width},{height}", "--hide-scrollbars"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(driver_path), options=options)


def wait_for_state(driver, states, timeout=30):
    """Waits until the page's body has data-state in `states`; returns it."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        state = driver.execute_script("return document.body.dataset.state")
        if state in states:
            return state
        time.sleep(0.02)
    raise TimeoutError(f"page stayed in state {state!r}, expected one of {states}")


def take_study(driver, url, choose=lambda trial_number: "left", screenshots=None):
    """One participant's whole session through the page: start, every pair (practice with its
    feedback, the break, the test pairs), until the thank-you screen. Returns the pairs answered.
    `screenshots`: a folder for study_intro.png, study_pair.png, study_answer.png, study_done.png."""
    from selenium.webdriver.common.by import By

    def shot(name):
        if screenshots:
            os.makedirs(screenshots, exist_ok=True)
            driver.save_screenshot(os.path.join(screenshots, name))

    driver.get(url)
    wait_for_state(driver, ("intro",))
    shot("study_intro.png")
    driver.find_element(By.ID, "start").click()
    answered = 0
    while True:
        state = wait_for_state(driver, ("showing", "answer", "break", "done", "problem"))
        if state == "showing":
            if answered == 0:
                shot("study_pair.png")
            wait_for_state(driver, ("answer",))
            continue
        if state == "problem":
            raise RuntimeError(driver.find_element(By.ID, "problem-text").text)
        if state == "done":
            shot("study_done.png")
            return answered
        if state == "break":
            driver.find_element(By.ID, "continue").click()
            wait_for_state(driver, ("showing", "answer", "done"))
            continue
        if answered == 0:
            shot("study_answer.png")
        driver.find_element(By.ID, f"choose-{choose(answered)}").click()
        answered += 1
        # wait until this answer was taken (feedback shown or the next pair loading)
        deadline = time.time() + 30
        while driver.execute_script("return document.body.dataset.state") == "answer" and time.time() < deadline:
            time.sleep(0.02)


def colorize_in_browser(driver, url, photo, screenshots=None):
    """Uploads `photo` on the colorize page; returns (width, height, download link) of the result."""
    from selenium.webdriver.common.by import By
    driver.get(url + "/colorize")
    wait_for_state(driver, ("ready",))
    driver.find_element(By.ID, "files").send_keys(os.path.abspath(photo))
    driver.find_element(By.ID, "go").click()
    state = wait_for_state(driver, ("done", "error"), timeout=120)
    if state == "error":
        raise RuntimeError(driver.find_element(By.ID, "status").text)
    card = driver.find_element(By.CSS_SELECTOR, ".result")
    deadline = time.time() + 30  # the result images are loaded by the browser after the JSON
    while not driver.execute_script("return [...document.querySelectorAll('.result img')].every(i => i.complete && i.naturalWidth > 0)"):
        if time.time() > deadline:
            raise TimeoutError("result images did not load")
        time.sleep(0.05)
    if screenshots:
        os.makedirs(screenshots, exist_ok=True)
        driver.save_screenshot(os.path.join(screenshots, "colorize_page.png"))
    link = card.find_element(By.CSS_SELECTOR, "a.download").get_attribute("href")
    return int(card.get_attribute("data-width")), int(card.get_attribute("data-height")), link
