"""Screenshots of the study page and the colorize page, taken in headless Chromium.

    python scripts/study/screenshots.py STUDY OUT                     # the study's pages, on a copy of it
    python scripts/study/screenshots.py --colorize-page OUT PHOTO...  # the colorize page

The study's screenshot participant takes a copy of the study, so it is not counted in the study itself.
"""

import os
import shutil
import sys
import tempfile

from deepcolor.study.app import make_app
from deepcolor.study.browser import chromium, colorize_in_browser, take_study
from deepcolor.study.participant import BackgroundServer


def study_pages(study, out):
    with tempfile.TemporaryDirectory() as tmp:
        copy = os.path.join(tmp, "study")
        shutil.copytree(study, copy)
        with BackgroundServer(make_app(copy, colorize_page=False)) as url:
            driver = chromium(1200, 760)
            try:
                take_study(driver, url, screenshots=out)
            finally:
                driver.quit()


def colorize_page(out, photos, variants=2):
    """The page after dropping `photos` on it, `variants` variants of the first (the default model)."""
    with BackgroundServer(make_app()) as url:
        driver = chromium(1280, 1400)
        try:
            result = colorize_in_browser(driver, url, photos, variants=variants, screenshots=out)
        finally:
            driver.quit()
    print(result["status"])


def main(argv):
    if argv[0] == "--colorize-page":
        colorize_page(argv[1], argv[2:])
        out = argv[1]
    else:
        study, out = argv
        study_pages(study, out)
    print(f"screenshots in {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
