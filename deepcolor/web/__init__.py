"""The web pages: the colorize page (Gradio, `colorize_page`). The study's pages live with the study
(deepcolor/study/app.py), which mounts this page beside them."""
