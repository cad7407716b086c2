"""The public-acceptance study: create one, serve it to participants, report the results.

    deepcolor study create --name studies/s1 --real photos/ --method ours=default --method gray=gray
    deepcolor study serve studies/s1 --port 8000
    deepcolor study report studies/s1
    deepcolor study simulate studies/s1 --participants 20      # scripted participants (not people)

A --method is NAME=SOURCE: a folder of colorized photos named like the real ones, `gray`, or a model
(a preset such as `default`, a run directory, a .keras file or a SavedModel) that colorizes the gray
version of each real photo when the study is created. Method names are never shown to participants.
"""

import argparse
import sys

from deepcolor.runs import add_debug_flag, run_cli
from deepcolor.cli import prog_name


def build_parser():
    p = argparse.ArgumentParser(prog=prog_name("deepcolor.study"), description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    c = sub.add_parser("create", help="make a study folder from real photos and methods")
    c.add_argument("--name", required=True, help="the study folder to create")
    c.add_argument("--real", required=True, help="folder of real colour photos")
    c.add_argument("--method", action="append", required=True, metavar="NAME=SOURCE",
                   help="a method: NAME=FOLDER of colorized photos, NAME=gray, or NAME=MODEL (repeatable)")
    c.add_argument("--max-images", type=int, default=0, help="a seeded subset of the real photos (default: 0 = all)")
    c.add_argument("--seed", type=int, default=0, help="seed of that subset (default: 0)")
    c.add_argument("--exposure-ms", type=int, default=1000, help="how long each pair is shown (default: 1000)")
    c.add_argument("--practice", type=int, default=3, help="practice pairs with feedback (default: 3)")
    c.add_argument("--trials", type=int, default=40, help="test pairs per participant, catch trials included (default: 40)")
    c.add_argument("--catch-fraction", type=float, default=0.1, help="share of test pairs that are catch trials (default: 0.1)")
    c.add_argument("--assignment", default="one", choices=("one", "interleaved"),
                   help="one method per participant, or all methods interleaved (default: one)")
    s = sub.add_parser("serve", help="serve the study (and the colorize page) on a local port")
    s.add_argument("study", help="the study folder")
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1; 0.0.0.0 for a network)")
    s.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    s.add_argument("--model", default=None, help="model of the colorize page (default: the shipped default model)")
    r = sub.add_parser("report", help="fooling rates, intervals, d', per-image ranking, bar chart")
    r.add_argument("study", help="the study folder")
    r.add_argument("--out", default=None, help="report folder (default: STUDY/report)")
    m = sub.add_parser("simulate", help="scripted participants over HTTP (tests, demos; not people)")
    m.add_argument("study", help="the study folder")
    m.add_argument("--participants", type=int, default=20, help="how many at once (default: 20)")
    m.add_argument("--policy", default="colourfulness", choices=("colourfulness", "left", "right", "random"),
                   help="how they answer (default: colourfulness; see deepcolor/study/participant.py)")
    m.add_argument("--seed", type=int, default=0, help="seed of their choices (default: 0)")
    for parser in (c, s, r, m):
        add_debug_flag(parser)
    return p


def main(argv=None):
    args = build_parser().parse_args(argv)
    from deepcolor.study import report, store
    if args.action == "create":
        methods = {}
        for item in args.method:
            name, sep, source = item.partition("=")
            if not sep or not name or not source:
                raise store.StudyError(f"--method {item!r}: expected NAME=SOURCE")
            methods[name] = source
        settings = store.create_study(args.name, args.real, methods, args.exposure_ms, args.practice, args.trials,
                                      args.catch_fraction, args.assignment, args.max_images, args.seed)
        print(f"study {args.name}: {len(settings.images)} photos, methods {', '.join(settings.methods)}; "
              f"serve it with: deepcolor study serve {args.name}")
        return 0
    if args.action == "serve":
        from deepcolor.study.app import make_app, serve
        serve(make_app(args.study, model=args.model), args.host, args.port)
        return 0
    if args.action == "report":
        study = store.Study(args.study)
        summary = report.write_report(study, args.out)
        for name, m in summary["methods"].items():
            rate = "–" if m["fooling_rate"] is None else f"{m['fooling_rate']:.1%}"
            print(f"{name}: judged real {rate} (95% CI {m['ci95'][0]:.1%}–{m['ci95'][1]:.1%}, {m['trials']} trials)")
        print(f"report: {args.out or study.folder + '/report'}/report.md")
        return 0
    from deepcolor.study.app import make_app
    from deepcolor.study.participant import BackgroundServer, crowd
    app = make_app(args.study, colorize_page=False)
    with BackgroundServer(app) as url:
        answers, errors, seconds = crowd(url, args.participants, args.policy, args.seed)
    for e in errors:
        print(e, file=sys.stderr)
    print(f"{args.participants} scripted participants ({args.policy}) answered {sum(a or 0 for a in answers)} "
          f"trials in {seconds:.1f} s; {len(errors)} failed")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
