"""The web app (FastAPI): the study's participant pages, with the colorize page (a Gradio app,
deepcolor/web/colorize_page.py) mounted at /colorize.

The study's images are served only through routes that look them up (a trial's side); no URL is ever
turned into a file path, so there is nothing to traverse and nothing to list. The study pages are
plain HTML and JavaScript from this package (no CDN: works offline); their one-second display and
per-trial store need this custom app, not Gradio.
"""

import os

STATIC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "static")


def _fastapi():
    from deepcolor.errors import import_extra
    return import_extra("fastapi", "the study and colorize web app", extra="web")


def make_app(study_folder=None, model=None, colorize_page=True):
    """The app: the study's pages when `study_folder` is given, the colorize page (Gradio, at
    /colorize) when `colorize_page`. `model`: a loaded ColorizationModel, a source for deepcolor.load,
    or None for the default (loaded at the first photo)."""
    fastapi = _fastapi()
    from fastapi import Form, HTTPException
    from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
    from deepcolor.study.store import AnswerRejected, NotFoundError, Study, StudyError

    app = fastapi.FastAPI(title="DeepColor", docs_url=None, redoc_url=None, openapi_url=None)
    study = Study(study_folder) if study_folder else None

    def page(name):
        with open(os.path.join(STATIC, name), encoding="utf-8") as f:
            return HTMLResponse(f.read())

    @app.exception_handler(StudyError)
    def study_error(request, exc):
        status = 409 if isinstance(exc, AnswerRejected) else 404 if isinstance(exc, NotFoundError) else 400
        return JSONResponse({"detail": str(exc)}, status_code=status)

    @app.get("/static/{name}")
    def static(name: str):
        if name not in ("style.css", "study.js"):
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

    @app.get("/health")
    def health():
        return Response("ok", media_type="text/plain")

    app.state.study = study
    if colorize_page:
        from deepcolor.web.colorize_page import mount
        app = mount(app, model)
    return app


def serve(app, host="127.0.0.1", port=8000, log=print, path="/"):
    """Runs the app with uvicorn until interrupted; `path` is the page the message points to."""
    from deepcolor.errors import import_extra
    uvicorn = import_extra("uvicorn", "serving the web app", extra="web")
    log(f"open http://{host}:{port}{path}  (Ctrl+C stops)")
    uvicorn.run(app, host=host, port=port, log_level="warning")
