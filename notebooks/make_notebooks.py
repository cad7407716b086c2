"""Writes the notebooks of this folder (outputs stripped): quickstart.ipynb and one per report.

    PYTHONPATH=. python notebooks/make_notebooks.py     (or after pip install -e .)

The per-report notebooks differ only in the report they run, so they are made from one template
here rather than edited by hand six times; tests/test_notebooks.py executes every one of them.
"""

import os

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = os.path.dirname(os.path.abspath(__file__))


def setup_cell(extras="", drive=False):
    """The first code cell: install DeepColor from what the user has (no repository address is assumed),
    or use the checkout the notebook sits in. `extras` such as "[hub]" only where a notebook needs
    them; `drive` mounts Google Drive on Colab so long runs survive a disconnect."""
    mount = ('    from google.colab import drive\n'
             '    drive.mount("/content/drive")\n'
             '    WORK = "/content/drive/MyDrive/deepcolor_work"  # runs survive a disconnect; re-running resumes\n'
             if drive else '    WORK = "/content/deepcolor_work"\n')
    return f'''# Set-up: install DeepColor, then choose a working folder.
import importlib.util, os, subprocess, sys

# Where to install DeepColor from, when it is not installed yet: the URL of a git repository that holds
# it ("git+https://..."), a built wheel ("/content/deepcolor-0.1.0-py3-none-any.whl") or a folder
# holding its pyproject.toml (a checkout, e.g. uploaded or on Drive).
DEEPCOLOR_SOURCE = os.environ.get("DEEPCOLOR_SOURCE", "")
EXTRAS = "{extras}"
IN_COLAB = importlib.util.find_spec("google.colab") is not None
if importlib.util.find_spec("deepcolor") is None:
    source = DEEPCOLOR_SOURCE or ("" if IN_COLAB else os.path.abspath(".."))  # a checkout's notebooks/ folder
    if not source:
        raise SystemExit("Set DEEPCOLOR_SOURCE in this cell to a git URL, a wheel or a folder holding DeepColor.")
    target = f"deepcolor{{EXTRAS}} @ {{source}}" if source.startswith("git+") else f"{{source}}{{EXTRAS}}"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", target], check=True)
if IN_COLAB:
{mount}else:
    WORK = os.environ.get("DEEPCOLOR_WORK", os.path.abspath("deepcolor_work"))
os.makedirs(WORK, exist_ok=True)
print("working folder:", WORK)'''


# In our own words: what each report did, and what its notebook shows.
REPORTS = {
    "000": ("report_000_hwang_zhou.ipynb",
            "A VGG16-based regression network predicting chroma, and six ablations (last activation, "
            "upsampling, training-set size, regularization, per-layer learning rates). The paper reports "
            "Huber loss; so does our table.",
            "DEEPCOLOR_PHOTOS", "a folder of photos (the paper used Flickr8k)"),
    "001": ("report_001_color_biased.ipynb",
            "ResNet-18 colorizers trained on colour-biased subsets of landscape photos (more red, more "
            "blue, ...), and ensembles combining them, scored by validation MSE on a, b / 128.",
            "DEEPCOLOR_PHOTOS", "a folder of landscape-like photos (DEEPCOLOR_ADE20K may name a second one)"),
    "002": ("report_002_deepcolor.ipynb",
            "A U-Net against DenseNet121 and MobileNet encoders with decoders, trained 10 and 30 epochs on "
            "a mix of COCO, Places365 and ADE20K photos (5,000 each), scored by MSE, PSNR and SSIM.",
            None, "COCO through FiftyOne and Places365/ADE20K through Hugging Face datasets (network)"),
    "003": ("report_003_mlp.ipynb",
            "A multilayer perceptron and a fully connected autoencoder colorizing 32×32 CIFAR-10 images: "
            "depth, BatchNorm, activations, optimizers, learning rates and last layers, as test MSE×100.",
            "DEEPCOLOR_CIFAR10", "CIFAR-10 (TFDS downloads it; or a folder of train/ and test/ images)"),
    "004": ("report_004_koalarization.ipynb",
            "Deep Koalarization: an encoder-decoder fused with a frozen classifier's embedding "
            "(Inception-ResNet-v2 and others) on Places365 photos.",
            None, "Places365 through Hugging Face datasets (network)"),
}


def report_notebook(key):
    from deepcolor.experiments import report_title
    name, about, env, data = REPORTS[key]
    title = report_title(key)
    data_cell = (f'# Data: {data}.\n'
                 + (f'# Set {env} to your copy (e.g. on Drive); unset, the rows use their default source.\n'
                    f'# os.environ["{env}"] = "/content/drive/MyDrive/..."\n' if env else
                    '# The rows stream their data from the hubs; a local copy: see `deepcolor data --help`.\n')
                 + '# Scale: smoke (seconds per row, any machine), cpu (where the report has one), paper (GPU).\n'
                 'import tensorflow as tf\n'
                 'SCALE = os.environ.get("DEEPCOLOR_SCALE") or ("paper" if tf.config.list_physical_devices("GPU") else "smoke")\n'
                 f'REPORT = "{key}"\n'
                 'OUT = os.path.join(WORK, "results", f"{REPORT}_{SCALE}")\n'
                 'RUNS = os.path.join(WORK, "runs", f"{REPORT}_{SCALE}")\n'
                 'print(f"report {REPORT} at {SCALE} scale -> {OUT}")')
    cells = [
        new_markdown_cell(f"# Replicating {title}\n\n{about}\n\n"
                          "This notebook runs every row of the report's table with DeepColor's replication "
                          "runner, then shows our figure beside the paper's, the claims checked, the loss "
                          "curves and a sample grid. On a CPU runtime it picks `smoke` (a check that every "
                          "row runs, in seconds; its numbers mean nothing); on a GPU, `paper` (the report's "
                          "own settings). Re-running resumes: finished rows are not trained again."),
        new_code_cell(setup_cell("[hub]", drive=True)),
        new_code_cell(data_cell),
        new_markdown_cell("## Run the rows\nThe same as `deepcolor replicate REPORT --scale SCALE` in a terminal."),
        new_code_cell("from deepcolor.replicate import replicate\n"
                      "errors = replicate(REPORT, SCALE, out=OUT, runs_dir=RUNS)\n"
                      "failed = {row: e for row, e in errors.items() if e}\n"
                      "print('failed rows:', failed or 'none')"),
        new_markdown_cell("## Our table beside the paper's\nThe page the runner wrote (`README.md` in the "
                          "results folder) holds the protocol; here are its results and claims."),
        new_code_cell("from IPython.display import Image, Markdown, display\n"
                      "page = open(os.path.join(OUT, 'README.md')).read()\n"
                      "display(Markdown(page[page.index('## Results'):page.index('## Loss curves') "
                      "if '## Loss curves' in page else None]))"),
        new_code_cell("for picture in ('loss_curves.png', 'samples.png'):\n"
                      "    path = os.path.join(OUT, picture)\n"
                      "    if os.path.exists(path):\n"
                      "        display(Image(path))"),
    ]
    return name, cells


def quickstart_notebook():
    cells = [
        new_markdown_cell("# DeepColor quick start: colorize your photos, then train on your own\n\n"
                          "The default model ships inside the package: no download, no training. A GPU "
                          "runtime is not needed to colorize, and neither is Google Drive. On Colab, set "
                          "`DEEPCOLOR_SOURCE` in the first cell to where DeepColor comes from."),
        new_code_cell(setup_cell("[web]")),
        new_markdown_cell("## Colorize\nAny size; the output keeps the size and the lightness of the input. "
                          "On Colab, upload photos with the file browser (or `google.colab.files.upload()`) "
                          "and list them in `PHOTOS`; the bundled demo photos are used otherwise."),
        new_code_cell("import deepcolor\n"
                      "from deepcolor.demo import demo_photos\n"
                      "PHOTOS = []  # your files, e.g. ['/content/old_photo.jpg']\n"
                      "photos = PHOTOS or demo_photos(os.path.join(WORK, 'demo_photos'))\n"
                      "model = deepcolor.load()  # the shipped default model\n"
                      "os.makedirs(os.path.join(WORK, 'colorized'), exist_ok=True)\n"
                      "outputs = []\n"
                      "for path in photos:\n"
                      "    out = os.path.join(WORK, 'colorized', os.path.splitext(os.path.basename(path))[0] + '.png')\n"
                      "    deepcolor.colorize(path, out, model=model)\n"
                      "    outputs.append(out)\n"
                      "print(len(outputs), 'photos colorized')"),
        new_code_cell("from IPython.display import Image, display\n"
                      "for out in outputs[:4]:\n"
                      "    display(Image(out, width=320))"),
        new_markdown_cell("## Several plausible colorizations of one photo\nSamples from the predicted "
                          "colour distribution, each a valid full-size output (seeded)."),
        new_code_cell("samples = model.colorize(photos[0], samples=3, seed=0)\n"
                      "import numpy as np\n"
                      "from PIL import Image as PILImage\n"
                      "strip = os.path.join(WORK, 'samples.png')\n"
                      "PILImage.fromarray(np.concatenate(samples, axis=1)).save(strip)\n"
                      "display(Image(strip, width=720))"),
        new_markdown_cell("## The colorize page, here in the notebook\nThe page `deepcolor serve` gives (Gradio, "
                          "the `[web]` extra): drop photos on it, drag the before/after line, download each result "
                          "under its own name. On Colab, Gradio shows it in the cell's output through a public "
                          "link of its own; `page.close()` stops it."),
        new_code_cell("from deepcolor.web.colorize_page import launch\n"
                      "page = launch(model)  # the model loaded above\n"
                      "import urllib.request\n"
                      "print('colorize page at', page.local_url, 'answers', urllib.request.urlopen(page.local_url).status)"),
        new_markdown_cell("## Train briefly on your own folder\n`FOLDER` is any folder of photos (on Colab, "
                          "one on Drive). The short run below is a check that training works; for a real "
                          "model raise the epochs and size (`deepcolor train --help`), and on a GPU add "
                          "`--mixed-precision auto`. `--init-from default` would start from the shipped "
                          "model's weights instead (with its architecture flags: see its model card)."),
        new_code_cell("FOLDER = os.environ.get('DEEPCOLOR_PHOTOS', '')  # your photos; unset: the bundled sample photos\n"
                      "DATA = f'folder:{FOLDER}' if FOLDER else 'sample'\n"
                      "RUN = os.path.join(WORK, 'runs', 'my_unet')\n"
                      "from deepcolor import train\n"
                      "train.main(['--arch', 'unet', '--data', DATA, '--image-size', '32',\n"
                      "            '--epochs', '1', '--steps-per-epoch', '2', '--batch-size', '4', '--out', RUN])\n"
                      "mine = deepcolor.load(RUN)\n"
                      "print(mine, mine.colorize(photos[0]).shape)"),
    ]
    return "quickstart.ipynb", cells


def main():
    notebooks = [quickstart_notebook()] + [report_notebook(key) for key in REPORTS]
    for name, cells in notebooks:
        nb = new_notebook(cells=cells, metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "accelerator": "GPU", "colab": {"provenance": []}})
        nbformat.write(nb, os.path.join(HERE, name))
        print("wrote", os.path.join("notebooks", name))


if __name__ == "__main__":
    main()
