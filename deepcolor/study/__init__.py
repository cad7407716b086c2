"""The public-acceptance study ("colorization Turing test") and the colorize web page.

    deepcolor study create --name S --real PHOTOS --method ours=default --method gray=gray
    deepcolor study serve S            # participants open http://localhost:8000/
    deepcolor study report S           # fooling rates with Wilson intervals, d', per-image ranking
    deepcolor serve                    # the colorize page alone

A study folder holds `study.json` (its settings), `images/` (the real photos and each method's
colorization of them, at one display size) and `study.sqlite` (participants and their trials, in
WAL mode). The protocol is Zhang et al.'s (ECCV 2016): two alternatives side by side, a real photo
and a colorized version of the same photo, shown for a short exposure, "which one is fake?".

Modules: `store` (the folder and its database), `report` (the statistics), `app` (the web app).
"""
