"""The public-acceptance study: the protocol, the statistics, bad input over HTTP, 20 concurrent
participants on a real server, and the study's and the colorize page in a real headless Chromium
(the colorize page's own tests: tests/test_colorize_page.py)."""

import os
import shutil
import sqlite3

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from deepcolor.demo import demo_photos  # noqa: E402
from deepcolor.study import report, store  # noqa: E402
from deepcolor.study.app import make_app  # noqa: E402

SETTINGS = dict(exposure_ms=50, practice=2, trials=10, catch_fraction=0.2)  # 8 test pairs + 2 catch


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    folder = tmp_path_factory.mktemp("real")
    demo_photos(str(folder), gray=False)  # four real colour photos (scikit-image's)
    (folder / "notes.txt").write_text("not a photo")  # ignored: not an image name
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 this is no jpeg")  # skipped, named
    return folder


@pytest.fixture(scope="module")
def study_dir(photos, tmp_path_factory):
    """gray, a folder method (made here) and the shipped default model, colorizing at create time."""
    sepia = tmp_path_factory.mktemp("sepia")
    for path in photos.glob("*.png"):
        gray = np.asarray(Image.open(path).convert("L"), np.float32)
        Image.fromarray(np.stack([gray, gray * 0.9, gray * 0.75], -1).astype(np.uint8)).save(sepia / (path.stem + ".jpg"))
    Image.new("RGB", (8, 8)).save(sepia / "broken.jpg")
    folder = tmp_path_factory.mktemp("studies") / "s1"
    log = []
    store.create_study(str(folder), str(photos), {"gray": "gray", "sepia": str(sepia), "ours": "default"},
                       assignment="interleaved", log=log.append, **SETTINGS)
    assert any("broken.jpg" in line and "skipped" in line for line in log)
    return str(folder)


def truth(study_dir, token):
    db = sqlite3.connect(os.path.join(study_dir, "study.sqlite"))
    rows = db.execute("SELECT idx, phase, method, fake_side, choice FROM trials WHERE token = ? ORDER BY idx",
                      (token,)).fetchall()
    db.close()
    return rows


def take(client, choose):
    """A participant through the HTTP API: choose(index, phase, fake_side) -> side named fake."""
    token = client.post("/api/session").json()["token"]
    db_rows = {r[0]: r for r in truth(client.study_dir, token)}
    while True:
        trial = client.get(f"/api/trial/{token}").json()
        if trial["done"]:
            return token
        for side in ("left", "right"):
            image = client.get(trial[side])
            assert image.status_code == 200 and image.headers["content-type"] == "image/png"
        index, phase, _, fake_side, _ = db_rows[trial["index"]]
        answer = client.post("/api/answer", data={"token": token, "index": index,
                                                  "choice": choose(index, phase, fake_side), "rt_ms": "850"})
        assert answer.status_code == 200, answer.text
        assert (answer.json()["feedback"] is not None) == (phase == "practice")


@pytest.fixture()
def client(study_dir):
    with TestClient(make_app(study_dir, colorize_page=False)) as c:
        c.study_dir = study_dir
        yield c


def other(side):
    return "right" if side == "left" else "left"


def test_a_participant_session_and_the_report_counts(client, study_dir, tmp_path):
    s = store.Study(study_dir)
    assert s.settings.images == ["astronaut", "chelsea", "coffee", "rocket"]  # broken.jpg skipped
    for method in ("real", "gray", "sepia", "ours", "_catch"):
        assert len(os.listdir(os.path.join(study_dir, "images", method))) == 4
    # participant A: catches every catch trial, is fooled on every even test index
    a = take(client, lambda k, phase, fake: fake if phase == "catch" else (other(fake) if k % 2 == 0 else fake))
    # participant B: fails every catch trial -> excluded
    b = take(client, lambda k, phase, fake: other(fake) if phase == "catch" else fake)
    rows_a = truth(study_dir, a)
    assert [r[1] for r in rows_a].count("practice") == 2 and [r[1] for r in rows_a].count("catch") == 2
    assert {r[2] for r in rows_a if r[1] == "test"} <= {"gray", "sepia", "ours"}  # interleaved methods
    summary = report.write_report(s, str(tmp_path / "report"))
    assert summary["participants"]["kept"] == 1 and list(summary["participants"]["excluded"]) == [b]
    for method in ("gray", "sepia", "ours"):
        expected = [r for r in rows_a if r[1] == "test" and r[2] == method]
        m = summary["methods"][method]
        assert m["trials"] == len(expected)
        assert m["fooled"] == sum(r[0] % 2 == 0 for r in expected)
    for name in ("report.md", "methods.csv", "images.csv", "fooling_rates.png"):
        assert (tmp_path / "report" / name).stat().st_size > 0
    page = (tmp_path / "report" / "report.md").read_text()
    assert "| method | fooling rate (judged real) | 95 % CI (Wilson) |" in page
    # a finished participant cannot take the session again
    done = client.post("/api/answer", data={"token": a, "index": 0, "choice": "left", "rt_ms": "1"})
    assert done.status_code == 409 and "finished" in done.json()["detail"]
    s.close()


def test_statistics():
    low, high = report.wilson(8, 10)
    assert (round(low, 4), round(high, 4)) == (0.4902, 0.9433)  # the textbook Wilson interval
    assert report.wilson(0, 0) == (0.0, 1.0)
    assert report.d_prime_2afc(0.5) == pytest.approx(0.0) and report.d_prime_2afc(1.0) is None
    assert report.d_prime_2afc(0.76) == pytest.approx(2 ** 0.5 * 0.7063, abs=1e-3)
    assert report.paper_figure("slice_unet") == ("unet", 0.53) and report.paper_figure("gray") is None


def test_bad_requests_are_refused_and_lose_nothing(client, study_dir):
    token = client.post("/api/session").json()["token"]
    trial = client.get(f"/api/trial/{token}").json()
    ok = client.post("/api/answer", data={"token": token, "index": 0, "choice": "left", "rt_ms": "500"})
    assert ok.status_code == 200
    replay = client.post("/api/answer", data={"token": token, "index": 0, "choice": "right", "rt_ms": "500"})
    skip = client.post("/api/answer", data={"token": token, "index": 5, "choice": "right", "rt_ms": "500"})
    assert replay.status_code == 409 and skip.status_code == 409 and "in order" in skip.json()["detail"]
    assert client.get("/api/trial/nosuchtoken").status_code == 404
    assert client.post("/api/answer", data={"token": "nosuchtoken", "index": 0, "choice": "left",
                                            "rt_ms": "1"}).status_code == 404
    for bad in ({"token": token, "index": "x", "choice": "left", "rt_ms": "1"},  # not a number
                {"token": token, "index": 1, "choice": "up", "rt_ms": "1"},  # not a side
                {"token": token, "index": 1, "choice": "left", "rt_ms": "-5"},
                {"token": token, "choice": "left"}):  # missing fields
        response = client.post("/api/answer", data=bad)
        assert response.status_code in (400, 422), (bad, response.status_code)
    assert client.get(f"/img/{token}/7/left").status_code == 404  # a trial not reached yet
    assert client.get(f"/img/{token}/1/middle").status_code == 400
    for path in ("/img/../study.json", "/static/../store.py", "/static/..%2Fstore.py", "/static/",
                 "/images/real/coffee.png", "/result/..%2F..%2Fetc/passwd", "/result/abc/../../x",
                 f"/img/{token}/..%2F..%2Fstudy.json/left"):
        assert 400 <= client.get(path).status_code < 500, path
    rows = truth(study_dir, token)
    assert rows[0][4] == "left" and all(r[4] is None for r in rows[1:])  # the one answer kept, unchanged
    assert trial["index"] == 0 and client.get(f"/api/trial/{token}").json()["index"] == 1


def test_creating_a_study_names_what_is_wrong(photos, tmp_path, study_dir):
    partial = tmp_path / "partial"
    partial.mkdir()
    shutil.copy(photos / "coffee.png", partial / "coffee.png")
    with pytest.raises(store.StudyError, match=r"method ours .* lacks 3 of the real photos, e\.g\. astronaut"):
        store.create_study(str(tmp_path / "s"), str(photos), {"ours": str(partial)}, log=lambda *_: None)
    with pytest.raises(store.StudyError, match="already holds a study"):
        store.create_study(study_dir, str(photos), {"gray": "gray"})
    with pytest.raises(store.StudyError, match="method name"):
        store.create_study(str(tmp_path / "s2"), str(photos), {"my method": "gray"})
    with pytest.raises(store.StudyError, match="not a folder"):
        store.create_study(str(tmp_path / "s3"), str(tmp_path / "nowhere"), {"gray": "gray"})
    with pytest.raises(store.StudyError, match="no study here"):
        store.Study(str(tmp_path))


@pytest.mark.timeout(300)
def test_twenty_concurrent_participants_over_http_lose_no_answer(study_dir):
    from deepcolor.study.participant import BackgroundServer, crowd
    s = store.Study(study_dir)
    before = s.db.execute("SELECT COUNT(*) FROM trials WHERE choice IS NOT NULL").fetchone()[0]
    with BackgroundServer(make_app(study_dir, colorize_page=False)) as url:
        answers, errors, seconds = crowd(url, 20, policy="random")
    assert not errors, errors[:3]
    per_participant = SETTINGS["practice"] + SETTINGS["trials"]
    assert answers == [per_participant] * 20
    after = s.db.execute("SELECT COUNT(*) FROM trials WHERE choice IS NOT NULL").fetchone()[0]
    assert after - before == 20 * per_participant
    print(f"20 participants x {per_participant} answers over HTTP in {seconds:.1f} s")
    s.close()


@pytest.mark.timeout(300)
def test_both_pages_in_a_real_browser(study_dir, photos):
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        pytest.skip("chromium and chromedriver are not installed (.ci/run installs them)")
    from deepcolor.study.browser import chromium, colorize_in_browser, take_study
    from deepcolor.study.participant import BackgroundServer
    s = store.Study(study_dir)
    with BackgroundServer(make_app(study_dir)) as url:
        driver = chromium()
        try:
            answered = take_study(driver, url, choose=lambda k: "left" if k % 3 else "right")
            token = driver.execute_script("return localStorage.getItem('deepcolor-study-token')")
            driver.get(url)  # coming back: told it is done, no second session
            from deepcolor.study.browser import wait_for_state
            assert wait_for_state(driver, ("done", "intro")) == "done"
            page = colorize_in_browser(driver, url, [str(photos / "coffee.png"), str(photos / "broken.jpg")])
        finally:
            driver.quit()
    assert answered == SETTINGS["practice"] + SETTINGS["trials"]
    rows = s.db.execute("SELECT choice FROM trials WHERE token = ? ORDER BY idx", (token,)).fetchall()
    assert [r[0] for r in rows] == ["left" if k % 3 else "right" for k in range(answered)]
    assert s.db.execute("SELECT finished IS NOT NULL FROM participants WHERE token = ?", (token,)).fetchone()[0]
    # The colorize page (Gradio, mounted beside the study): full size, the photo's own name, bad file named.
    assert page["sizes"] == [Image.open(photos / "coffee.png").size] and page["downloads"] == ["coffee_colorized.png"]
    assert "Colorized 1 photo" in page["status"] and "broken.jpg: not a readable image" in page["status"]
    s.close()
