"""Driving the two pages in a real headless browser (Chromium through Selenium): a scripted
participant clicks through a study, and photos are dropped on the colorize page (Gradio). Used by the
browser tests and by scripts/study/make_example.sh for the screenshots.
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


def colorize_in_browser(driver, url, photos, variants=0, screenshots=None, timeout=180):
    """Drops `photos` (paths) on the colorize page (Gradio, at url/colorize/), sets the variants slider,
    clicks Colorize and waits for the result. Returns {"status": the page's result text, "sizes":
    [(width, height)] of the result images as the browser decoded them, "downloads": [file names the
    download links give], "warnings": [toast texts]}. `screenshots`: a folder for colorize_page.png."""
    from selenium.webdriver.common.by import By
    driver.get(url.rstrip("/") + "/colorize/")
    deadline = time.time() + 60
    while not driver.find_elements(By.CSS_SELECTOR, "#photos input[type=file]"):
        if time.time() > deadline:
            raise TimeoutError("the colorize page did not load")
        time.sleep(0.1)
    driver.find_element(By.CSS_SELECTOR, "#photos input[type=file]").send_keys(
        "\n".join(os.path.abspath(p) for p in photos))
    if variants:
        box = driver.find_element(By.CSS_SELECTOR, "#variants input[type=number]")
        box.clear()
        box.send_keys(str(variants))
    deadline = time.time() + 60  # the uploads are listed once Gradio has them
    while len(driver.find_elements(By.CSS_SELECTOR, "#photos tr, #photos .file")) < 1 and time.time() < deadline:
        time.sleep(0.1)
    driver.find_element(By.ID, "go").click()
    deadline = time.time() + timeout
    status = ""
    while "olorized" not in status:
        if time.time() > deadline:
            raise TimeoutError(f"no result on the colorize page after {timeout} s")
        time.sleep(0.2)
        status = driver.find_element(By.ID, "status").text
    images = driver.find_elements(By.CSS_SELECTOR, "#results img")
    deadline = time.time() + 30  # the browser loads the images after the result arrives
    while not driver.execute_script("return [...arguments[0]].every(i => i.complete && i.naturalWidth > 0)", images):
        if time.time() > deadline:
            raise TimeoutError("result images did not load")
        time.sleep(0.05)
    if screenshots:
        os.makedirs(screenshots, exist_ok=True)
        driver.save_screenshot(os.path.join(screenshots, "colorize_page.png"))
    sizes = [tuple(driver.execute_script("return [arguments[0].naturalWidth, arguments[0].naturalHeight]", i))
             for i in images]
    downloads = [a.get_attribute("download") for a in driver.find_elements(By.CSS_SELECTOR, "#downloads a[download]")]
    warnings = [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".toast-body")]
    return {"status": status, "sizes": sizes, "downloads": downloads, "warnings": warnings}
