"""Screenshots of the study page and the colorize page, taken in headless Chromium on a copy of a
study (the screenshot participant is not counted in the study itself).

    python results/study/screenshots.py STUDY REAL_PHOTOS OUT
"""

import os
import shutil
import sys
import tempfile

from deepcolor.study.app import make_app
from deepcolor.study.browser import chromium, colorize_in_browser, take_study
from deepcolor.study.participant import BackgroundServer


def main(study, real, out):
    with tempfile.TemporaryDirectory() as tmp:
        copy = os.path.join(tmp, "study")
        shutil.copytree(study, copy)
        with BackgroundServer(make_app(copy)) as url:
            driver = chromium(1200, 760)
            try:
                take_study(driver, url, screenshots=out)
                driver.execute_script("localStorage.clear()")
                photo = sorted(os.path.join(real, f) for f in os.listdir(real))[0]
                colorize_in_browser(driver, url, photo, screenshots=out)
            finally:
                driver.quit()
    print(f"screenshots in {out}")


if __name__ == "__main__":
    main(*sys.argv[1:])
