"""The web app (FastAPI): the study's participant pages and the colorize page.

Images are served only through routes that look them up (a trial's side, a colorize result by its
random id); no URL is ever turned into a file path, so there is nothing to traverse and nothing to
list. The pages are plain HTML and JavaScript from this package (no CDN: works offline).
"""

import os
import secrets
import shutil
import tempfile
import threading

STATIC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "static")
MAX_UPLOAD_BYTES = 25 << 20  # per file
MAX_FILES = 20  # photos colorized per upload; the rest are reported, not dropped
MAX_UPLOAD_PIXELS = 50_000_000  # refused from the header, before decoding (decompression bombs)
MAX_RESULTS = 200  # colorize results kept in memory's temp folder; the oldest go first


def _fastapi():
    from deepcolor.errors import import_extra
    return import_extra("fastapi", "the study and colorize web app", extra="web")


def make_app(study_folder=None, model=None, colorize_page=True, samples=3):
    """The app: the study's pages when `study_folder` is given, the colorize page when `colorize_page`.
    `model`: a loaded ColorizationModel, a source for deepcolor.load, or None for the default
    (loaded on the first upload)."""
    fastapi = _fastapi()
    from fastapi import File, Form, HTTPException, UploadFile
    from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
    from deepcolor.study.store import AnswerRejected, NotFoundError, Study, StudyError

    app = fastapi.FastAPI(title="DeepColor", docs_url=None, redoc_url=None, openapi_url=None)
    study = Study(study_folder) if study_folder else None
    results_dir = tempfile.mkdtemp(prefix="deepcolor-serve-")
    state = {"model": model, "lock": threading.Lock(), "results": []}

    def page(name):
        with open(os.path.join(STATIC, name), encoding="utf-8") as f:
            return HTMLResponse(f.read())

    @app.exception_handler(StudyError)
    def study_error(request, exc):
        status = 409 if isinstance(exc, AnswerRejected) else 404 if isinstance(exc, NotFoundError) else 400
        return JSONResponse({"detail": str(exc)}, status_code=status)

    @app.get("/static/{name}")
    def static(name: str):
        if name not in ("style.css", "study.js", "colorize.js"):
            raise HTTPException(404, "not found")
        return FileResponse(os.path.join(STATIC, name))

    @app.get("/", include_in_schema=False)
    def home():
        if study is None:
            return RedirectResponse("/colorize")
        return page("study.html")

    if study is not None:
        @app.get("/api/settings")
        def settings():
            s = study.settings
            return {"exposure_ms": s.exposure_ms, "practice": s.practice, "trials": s.trials}

        @app.post("/api/session")
        def new_session():
            return {"token": study.start(), "exposure_ms": study.settings.exposure_ms}

        @app.get("/api/trial/{token}")
        def next_trial(token: str):
            trial = study.next_trial(token)
            if trial is None:
                return {"done": True}
            k = trial["index"]
            return {**trial, "done": False, "left": f"/img/{token}/{k}/left", "right": f"/img/{token}/{k}/right"}

        @app.get("/img/{token}/{index}/{side}")
        def trial_image(token: str, index: int, side: str):
            path = study.image_path(token, index, side)
            if not os.path.isfile(path):
                raise HTTPException(404, "image missing from the study folder")
            return FileResponse(path, media_type="image/png", headers={"Cache-Control": "no-store"})

        @app.post("/api/answer")
        def answer(token: str = Form(...), index: int = Form(...), choice: str = Form(...),
                   rt_ms: float = Form(...)):
            correct, phase = study.answer(token, index, choice, rt_ms)
            trial = study.next_trial(token)
            return {"recorded": True, "feedback": correct if phase == "practice" else None,
                    "done": trial is None}

    if colorize_page:
        def get_model():
            with state["lock"]:
                if state["model"] is None or isinstance(state["model"], str):
                    from deepcolor.api import load
                    state["model"] = load(state["model"])
                return state["model"]

        @app.get("/colorize")
        def colorize_form():
            return page("colorize.html")

        @app.post("/api/colorize")
        def colorize(files: list[UploadFile] = File(...), samples_wanted: int = Form(0, alias="samples")):
            import numpy as np
            from PIL import Image
            from deepcolor.data.images import BadImageError, read_image
            model = get_model()
            out = []
            for upload in files[:MAX_FILES]:
                name = os.path.basename(upload.filename or "upload")
                data = upload.file.read(MAX_UPLOAD_BYTES + 1)
                if len(data) > MAX_UPLOAD_BYTES:
                    out.append({"name": name, "error": f"larger than the {MAX_UPLOAD_BYTES >> 20} MB limit"})
                    continue
                try:
                    rgb, _ = read_image(name, MAX_UPLOAD_PIXELS, data=data)
                except BadImageError as e:
                    out.append({"name": name, "error": str(e)})
                    continue
                rid = secrets.token_urlsafe(12)
                folder = os.path.join(results_dir, rid)
                os.makedirs(folder)
                gray = np.asarray(Image.fromarray(rgb).convert("L"))
                Image.fromarray(gray).save(os.path.join(folder, "gray.png"))
                Image.fromarray(model.colorize(gray)).save(os.path.join(folder, "color.png"))
                with open(os.path.join(folder, "name.txt"), "w", encoding="utf-8") as f:
                    f.write(name)  # the download keeps the photo's own name
                entry = {"name": name, "width": int(rgb.shape[1]), "height": int(rgb.shape[0]),
                         "gray": f"/result/{rid}/gray.png", "color": f"/result/{rid}/color.png",
                         "download": f"/result/{rid}/color.png?download=1", "samples": []}
                if samples_wanted and model.can_sample:
                    for k, sample in enumerate(model.colorize(gray, samples=min(int(samples_wanted), samples))):
                        Image.fromarray(sample).save(os.path.join(folder, f"sample{k + 1}.png"))
                        entry["samples"].append(f"/result/{rid}/sample{k + 1}.png")
                state["results"].append(folder)
                while len(state["results"]) > MAX_RESULTS:
                    shutil.rmtree(state["results"].pop(0), ignore_errors=True)
                out.append(entry)
            out += [{"name": os.path.basename(upload.filename or "upload"),
                     "error": f"not colorized: at most {MAX_FILES} photos per upload"} for upload in files[MAX_FILES:]]
            return {"results": out, "can_sample": model.can_sample}

        @app.get("/result/{rid}/{name}")
        def result(rid: str, name: str, download: int = 0):
            allowed = {"gray.png", "color.png"} | {f"sample{k}.png" for k in range(1, samples + 1)}
            if name not in allowed or not rid.replace("-", "").replace("_", "").isalnum():
                raise HTTPException(404, "not found")
            path = os.path.join(results_dir, rid, name)
            if not os.path.isfile(path):
                raise HTTPException(404, "not found")
            filename = None
            if download:
                with open(os.path.join(results_dir, rid, "name.txt"), encoding="utf-8") as f:
                    stem = os.path.splitext(f.read())[0]
                filename = f"{stem}_{name[:-len('.png')].replace('color', 'colorized')}.png"
            return FileResponse(path, media_type="image/png", filename=filename)

    @app.get("/health")
    def health():
        return Response("ok", media_type="text/plain")

    app.state.study = study
    app.state.results_dir = results_dir
    return app


def serve(app, host="127.0.0.1", port=8000, log=print):
    """Runs the app with uvicorn until interrupted."""
    from deepcolor.errors import import_extra
    uvicorn = import_extra("uvicorn", "serving the web app", extra="web")
    log(f"open http://{host}:{port}/  (Ctrl+C stops)")
    uvicorn.run(app, host=host, port=port, log_level="warning")
