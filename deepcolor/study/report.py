"""The study's statistics: per method, the fooling rate (the share of test trials where the colorized
photo was judged real, i.e. the participant named the real one as fake) with a Wilson 95 % interval,
d' for the two-alternative task where defined, participants kept and excluded, and a per-image ranking.

A participant is kept when they finished and answered at least `min_catch_accuracy` of their catch
trials (an obviously wrong recolouring against the real photo) correctly. Practice trials never count.
"""

import csv
import math
import os
from collections import defaultdict
from statistics import NormalDist


def wilson(successes, n):
    """Wilson score 95 % interval (low, high) of a proportion, from SciPy; (0, 1) when n = 0."""
    if n == 0:
        return 0.0, 1.0
    from scipy.stats import binomtest  # here, not at the top: SciPy's stats take a while to import
    ci = binomtest(int(successes), int(n)).proportion_ci(confidence_level=0.95, method="wilson")
    return float(ci.low), float(ci.high)


def d_prime_2afc(proportion_correct):
    """d' of a two-alternative forced choice: sqrt(2) * z(proportion correct); None at 0 or 1."""
    if not 0.0 < proportion_correct < 1.0:
        return None
    return math.sqrt(2) * NormalDist().inv_cdf(proportion_correct)


def participants(trials, min_catch_accuracy):
    """{token: (kept, reason)} from the answered trials."""
    by_token = defaultdict(list)
    for t in trials:
        by_token[t["token"]].append(t)
    verdicts = {}
    for token, rows in by_token.items():
        if not rows[0]["finished"]:
            verdicts[token] = (False, "did not finish")
            continue
        catch = [r for r in rows if r["phase"] == "catch"]
        right = sum(r["choice"] == r["fake_side"] for r in catch)
        if catch and right / len(catch) < min_catch_accuracy:
            verdicts[token] = (False, f"caught {right} of {len(catch)} catch trials")
        else:
            verdicts[token] = (True, "")
    return verdicts


def summarize(study):
    """{"methods": {name: stats}, "images": [...], "participants": {...}} for an open Study."""
    keys = ("token", "idx", "phase", "image", "method", "fake_side", "choice", "rt_ms", "finished")
    trials = [dict(zip(keys, row)) for row in study.trials()]
    verdicts = participants(trials, study.settings.min_catch_accuracy)
    kept = {t for t, (ok, _) in verdicts.items() if ok}
    methods = {}
    per_image = defaultdict(lambda: [0, 0])
    for name in study.settings.methods:
        rows = [t for t in trials if t["token"] in kept and t["phase"] == "test" and t["method"] == name]
        fooled = sum(t["choice"] != t["fake_side"] for t in rows)
        for t in rows:
            per_image[(name, t["image"])][0] += t["choice"] != t["fake_side"]
            per_image[(name, t["image"])][1] += 1
        n = len(rows)
        low, high = wilson(fooled, n)
        methods[name] = {"trials": n, "fooled": fooled, "fooling_rate": fooled / n if n else None,
                         "ci95": [low, high], "d_prime": d_prime_2afc(1 - fooled / n) if n else None,
                         "participants": len({t["token"] for t in rows}),
                         "median_rt_ms": sorted(t["rt_ms"] for t in rows)[n // 2] if n else None}
    images = sorted(({"method": m, "image": i, "fooled": f, "trials": n, "fooling_rate": f / n}
                     for (m, i), (f, n) in per_image.items()), key=lambda r: (-r["fooling_rate"], r["method"], r["image"]))
    total, finished = study.participant_count()
    return {"methods": methods, "images": images,
            "participants": {"started": total, "finished": finished, "kept": len(kept),
                             "excluded": {t: why for t, (ok, why) in verdicts.items() if not ok}}}


def paper_figure(method):
    """Report 002's share judged real for a method named like one of its rows, else None."""
    from deepcolor.experiments.s002_deepcolor import ACCEPTANCE
    key = method.lower().replace("-", "").replace("_", "")
    for name, figure in ACCEPTANCE.items():
        if name.lower().replace("-", "").replace(" ", "") in key:
            return name, figure
    return None


def write_report(study, out=None):
    """report.md, methods.csv, images.csv and fooling_rates.png in `out` (default: the study's
    report/ folder). Returns the summary."""
    from deepcolor import runs
    out = out or os.path.join(study.folder, "report")
    os.makedirs(out, exist_ok=True)
    summary = summarize(study)
    s, p = study.settings, summary["participants"]
    lines = [f"# Study {s.name}: which one is fake?", "",
             f"Two-alternative forced choice (Zhang et al., ECCV 2016): a real photo and a colorized version of the "
             f"same photo side by side for {s.exposure_ms} ms, then hidden; the participant names the fake one. "
             f"{s.practice} practice pairs with feedback (not counted), then {s.trials} pairs, "
             f"{round(s.trials * s.catch_fraction)} of them catch trials (an obviously wrong recolouring). "
             f"Participants who finished and caught at least {s.min_catch_accuracy:.0%} of their catch trials are kept; "
             f"methods {'one per participant' if s.assignment == 'one' else 'interleaved'}.", "",
             f"Participants: {p['started']} started, {p['finished']} finished, {p['kept']} kept, "
             f"{len(p['excluded'])} excluded.", "",
             "| method | fooling rate (judged real) | 95 % CI (Wilson) | trials | participants | d′ | median RT (ms) | report 002's figure |",
             "|---|---|---|---|---|---|---|---|"]
    for name, m in summary["methods"].items():
        paper = paper_figure(name)
        rate = "–" if m["fooling_rate"] is None else f"{m['fooling_rate']:.1%}"
        d = "–" if m["d_prime"] is None else f"{m['d_prime']:.2f}"
        rt = "–" if m["median_rt_ms"] is None else f"{m['median_rt_ms']:.0f}"
        lines.append(f"| {name} | {rate} | {m['ci95'][0]:.1%} – {m['ci95'][1]:.1%} | {m['trials']} | "
                     f"{m['participants']} | {d} | {rt} | {f'{paper[1]:.2%} ({paper[0]})' if paper else '–'} |")
    lines += ["", "A fooling rate of 50 % means participants could not tell the colorized photo from the real "
              "one. Report 002's figures are the share of its colorized images its 30 participants judged real "
              "(a different protocol: single images, no time limit).", "",
              "![fooling rates](fooling_rates.png)", "", "## Images that fooled most (top 10)", "",
              "| method | image | fooled / trials |", "|---|---|---|"]
    lines += [f"| {r['method']} | {r['image']} | {r['fooled']} / {r['trials']} |" for r in summary["images"][:10]]
    if p["excluded"]:
        lines += ["", "## Excluded participants", ""] + [f"- `{t[:8]}…`: {why}" for t, why in p["excluded"].items()]
    runs.atomic_write_text(os.path.join(out, "report.md"), "\n".join(lines) + "\n")
    with open(os.path.join(out, "methods.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["method", "trials", "fooled", "fooling_rate", "ci95_low", "ci95_high", "d_prime", "participants"])
        for name, m in summary["methods"].items():
            w.writerow([name, m["trials"], m["fooled"], m["fooling_rate"], *m["ci95"], m["d_prime"], m["participants"]])
    with open(os.path.join(out, "images.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["method", "image", "fooled", "trials", "fooling_rate"])
        for r in summary["images"]:
            w.writerow([r["method"], r["image"], r["fooled"], r["trials"], r["fooling_rate"]])
    _bar_chart(summary, os.path.join(out, "fooling_rates.png"))
    return summary


def _bar_chart(summary, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    names = list(summary["methods"])
    rates = [summary["methods"][n]["fooling_rate"] or 0.0 for n in names]
    errors = [[max(0.0, r - summary["methods"][n]["ci95"][0]) for n, r in zip(names, rates)],
              [max(0.0, summary["methods"][n]["ci95"][1] - r) for n, r in zip(names, rates)]]
    fig, ax = plt.subplots(figsize=(1.6 + 1.3 * len(names), 3.6))
    ax.bar(names, rates, yerr=errors, capsize=6, color="#4a7bb7")
    ax.axhline(0.5, color="gray", linestyle="--", linewidth=1, label="indistinguishable (50 %)")
    ax.set_ylim(0, 1)
    ax.set_ylabel("judged real (fooling rate)")
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
