"""The `deepcolor` command's subcommands: the one table of them (cli.py runs them; runs.prog_name
names them in usage lines)."""

# name -> (module whose main(argv) runs it, one line for the listing); in the order a user meets them
COMMANDS = {
    "colorize": ("deepcolor.colorize_command", "colorize photos (the shipped default model, or any trained one)"),
    "demo": ("deepcolor.demo", "colorize a few bundled photos with the default model"),
    "train": ("deepcolor.train", "train a model (any architecture, data source, encoding; resumable)"),
    "evaluate": ("deepcolor.evaluate", "metrics of a model beside the gray baseline, sample grids"),
    "export": ("deepcolor.export", "export a model as a TensorFlow SavedModel (any image size)"),
    "replicate": ("deepcolor.replicate", "re-run a report's table and write its results page"),
    "experiments": ("deepcolor.experiments.__main__", "list the reports' experiments, smoke-run them"),
    "data": ("deepcolor.data.__main__", "what a --data source yields: counts per split, bad files"),
    "serve": ("deepcolor.serve", "the colorize web page (upload photos, download results)"),
    "study": ("deepcolor.study.__main__", "public-acceptance study: create, serve, report (which one is fake?)"),
    "bench": ("deepcolor.bench", "speed benchmarks (training steps, colorize, data pipeline)"),
    "preset": ("deepcolor.pretrained.__main__", "make a shippable preset with a model card from a run"),
}
