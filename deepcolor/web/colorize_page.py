"""The colorize page, a Gradio app: drop in photos, compare before and after, download the results.

    deepcolor serve                        # http://127.0.0.1:8000/colorize, the shipped default model
    deepcolor serve --model runs/mine      # any preset, run directory, .keras file or SavedModel

In a notebook (Colab included), the same page inline:

    from deepcolor.web.colorize_page import launch
    page = launch()            # a model source as with deepcolor.load; page.close() stops it

Every photo comes back at its own size, on its own lightness; only the colour is the model's. The
limits below are stated on the page and enforced with a message naming the file: nothing past them
is dropped silently.
"""

import os
import shutil
import tempfile
import threading

MAX_FILES = 20  # photos per run; the rest are listed as not colorized
MAX_FILE_MB = 25  # per file (Gradio refuses bigger uploads before they reach us; we check again)
MAX_PIXELS = 50_000_000  # refused from the header, before decoding (decompression bombs)
MAX_VARIANTS = 3  # --samples variants of the first photo, for models that can sample
HINT_COLOURS = ["#2050c0", "#3a7d2c", "#c83228", "#e0c060", "#8a5a3c", "#f0c8a8", "#ffffff"]  # brush presets
KEEP_RUNS = 50  # result folders kept on disk; the oldest go first


def limits_text():
    return (f"Up to {MAX_FILES} photos at a time, each at most {MAX_FILE_MB} MB and "
            f"{MAX_PIXELS // 1_000_000} megapixels; JPEG, PNG, TIFF, WebP, BMP or GIF.")


def _gradio():
    from deepcolor.errors import import_extra
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no calls home (and none possible offline)
    return import_extra("gradio", "the colorize page", extra="web")


class PageModel:
    """The model behind the page, loaded on first use (a source for deepcolor.load, a loaded
    ColorizationModel, or None for the shipped default), shared by every visitor."""

    def __init__(self, model=None):
        self._model = model
        self._lock = threading.Lock()

    def get(self):
        with self._lock:
            if self._model is None or isinstance(self._model, str):
                from deepcolor.api import load
                self._model = load(self._model)
            return self._model


def colorize_uploads(model, paths, variants=0, out_root=None, progress=None):
    """Colorizes the uploaded files `paths` (at most MAX_FILES; the rest are reported) into a new
    folder under `out_root`. Returns a dict: photos (one dict per colorized photo: name, width, height,
    gray, color, variants: file paths), problems ("NAME: what is wrong" lines, in upload order).
    `progress(iterable, desc)` wraps the loop (Gradio's progress bar on the page)."""
    import numpy as np
    from PIL import Image
    from deepcolor.data.images import BadImageError, read_image
    folder = tempfile.mkdtemp(prefix="run-", dir=out_root)
    photos, problems = [], []
    kept = list(paths)[:MAX_FILES]
    loop = progress(kept, desc="colorizing") if progress else kept
    for k, path in enumerate(loop):
        name = os.path.basename(path)
        try:
            if os.path.getsize(path) > MAX_FILE_MB << 20:
                raise BadImageError(f"larger than the {MAX_FILE_MB} MB limit")
            with open(path, "rb") as f:
                rgb, _ = read_image(name, MAX_PIXELS, data=f.read())
        except (BadImageError, OSError) as e:
            problems.append(f"{name}: {e}")
            continue
        stem = os.path.splitext(name)[0]
        own = os.path.join(folder, str(k))  # one folder per photo: two uploads may share a name
        os.makedirs(own)
        gray = np.asarray(Image.fromarray(rgb).convert("L"))
        entry = {"name": name, "width": int(rgb.shape[1]), "height": int(rgb.shape[0]),
                 "gray": os.path.join(own, f"{stem}_gray.png"), "color": os.path.join(own, f"{stem}_colorized.png"),
                 "variants": []}
        Image.fromarray(gray).save(entry["gray"])
        Image.fromarray(model.colorize(gray)).save(entry["color"])
        if variants and model.can_sample and not photos:  # variants of the first photo only: they are slow
            for j, sample in enumerate(model.colorize(gray, samples=min(int(variants), MAX_VARIANTS))):
                entry["variants"].append(os.path.join(own, f"{stem}_variant{j + 1}.png"))
                Image.fromarray(sample).save(entry["variants"][-1])
        photos.append(entry)
    problems += [f"{os.path.basename(p)}: not colorized: at most {MAX_FILES} photos per run" for p in paths[MAX_FILES:]]
    return {"photos": photos, "problems": problems, "folder": folder}


def merge_layers(layers, shape):
    """The editor's brush layers (RGBA arrays) painted over each other -> one RGBA scribble mask."""
    import numpy as np
    mask = np.zeros((*shape[:2], 4), np.uint8)
    for layer in layers or []:
        layer = np.asarray(layer)
        if layer.ndim != 3 or layer.shape[2] != 4 or layer.shape[:2] != mask.shape[:2]:
            continue  # not a brush layer of this photo
        painted = layer[..., 3] > 0
        mask[painted] = layer[painted]
    return mask


def colorize_with_hints(model, editor_value, out_root=None, name="photo"):
    """The hint section: the photo in the image editor (its background) colorized by a hint model,
    following the colours brushed on it (its layers; a dab is a point). Returns a dict: gray, color
    (file paths), hints (how many pixels were painted), width, height. Raises HintError/DeepColorError."""
    import numpy as np
    from PIL import Image
    from deepcolor.color.hints import HintError
    if not editor_value or editor_value.get("background") is None:
        raise HintError("open a photo in the editor first, then brush colours on it")
    background = np.asarray(editor_value["background"])
    rgb = background[..., :3] if background.ndim == 3 else np.repeat(background[..., None], 3, axis=-1)
    rgb = np.ascontiguousarray(rgb.astype(np.uint8))
    scribbles = merge_layers(editor_value.get("layers"), rgb.shape)
    painted = int((scribbles[..., 3] > 0).sum())
    gray = np.asarray(Image.fromarray(rgb).convert("L"))
    color = model.colorize(gray, hints=scribbles if painted else [])
    folder = tempfile.mkdtemp(prefix="hints-", dir=out_root)
    entry = {"gray": os.path.join(folder, f"{name}_gray.png"), "color": os.path.join(folder, f"{name}_colorized.png"),
             "hints": painted, "width": int(rgb.shape[1]), "height": int(rgb.shape[0])}
    Image.fromarray(gray).save(entry["gray"])
    Image.fromarray(color).save(entry["color"])
    return entry


def _status(result):
    photos, problems = result["photos"], result["problems"]
    lines = [f"**Colorized {len(photos)} photo{'s' * (len(photos) != 1)}**"
             + (": " + ", ".join(f"{p['name']} ({p['width']}×{p['height']})" for p in photos) if photos else ".")]
    if problems:
        lines.append(f"\n**Not colorized ({len(problems)}):**\n")
        lines += [f"- {line}" for line in problems]
    return "\n".join(lines)


def _comparison(photo):
    """The first photo side by side with its variants, captioned."""
    items = [(photo["gray"], "gray input"), (photo["color"], "colorized")]
    return items + [(path, f"variant {j + 1}") for j, path in enumerate(photo["variants"])]


def build_page(model=None, examples_dir=None):
    """The page as a gr.Blocks. `model`: a source for deepcolor.load, a loaded ColorizationModel, or
    None (the shipped default, loaded at the first photo). `examples_dir`: a folder of example photos
    shown under the upload box (default: a few bundled with scikit-image, made gray)."""
    gr = _gradio()
    page_model = model if isinstance(model, PageModel) else PageModel(model)
    hint_model = PageModel("hints")  # the page's own model when that one takes hints
    out_root = tempfile.mkdtemp(prefix="deepcolor-page-")
    runs = []
    examples = _example_photos(examples_dir)

    def colorize(files, variants, progress=gr.Progress()):
        if not files:
            raise gr.Error("Choose one or more photos first (drop them on the upload box).")
        paths = [f if isinstance(f, str) else f.name for f in files]
        result = colorize_uploads(page_model.get(), paths, variants, out_root,
                                  progress=lambda items, desc: progress.tqdm(items, desc=desc))
        runs.append(result["folder"])
        while len(runs) > KEEP_RUNS:
            shutil.rmtree(runs.pop(0), ignore_errors=True)
        for line in result["problems"]:
            gr.Warning(line)
        photos = result["photos"]
        first = photos[0] if photos else None
        return (
            (first["gray"], first["color"]) if first else None,
            [(p["color"], p["name"]) for p in photos],
            _comparison(first) if first else [],
            [p["color"] for p in photos] or None,
            _status(result),
            photos,
        )

    def colorize_hinted(editor_value):
        from deepcolor.errors import DeepColorError
        own = page_model.get()
        try:
            entry = colorize_with_hints(own if own.takes_hints else hint_model.get(), editor_value, out_root)
        except DeepColorError as e:
            raise gr.Error(str(e)) from None
        runs.append(os.path.dirname(entry["color"]))
        said = (f"{entry['hints']} painted pixels followed" if entry["hints"] else
                "no colours painted: the hint model's own guess")
        return (entry["gray"], entry["color"]), entry["color"], f"Colorized {entry['width']}×{entry['height']}: {said}."

    def show(photos, event: gr.SelectData):
        photo = photos[event.index]
        return (photo["gray"], photo["color"]), _comparison(photo)

    theme = gr.themes.Default(font=["ui-sans-serif", "system-ui", "sans-serif"],  # no web fonts: works offline
                              font_mono=["ui-monospace", "monospace"])
    with gr.Blocks(title="DeepColor: colorize photos", analytics_enabled=False) as page:
        page.deepcolor_theme = theme
        gr.Markdown("# DeepColor: colorize old photos\n"
                    "Drop black-and-white (or colour) photos below. Each comes back at its own size with its own "
                    "lightness; the colours are the model's guess.\n\n" + limits_text(), elem_id="intro")
        with gr.Row():
            with gr.Column(scale=1):
                files = gr.File(file_count="multiple", file_types=["image"], label="Photos", elem_id="photos")
                variants = gr.Slider(0, MAX_VARIANTS, value=0, step=1, label="Variants of the first photo "
                                     "(other plausible colourings; only models that can sample)", elem_id="variants")
                go = gr.Button("Colorize", variant="primary", elem_id="go")
                if examples:
                    gr.Examples([[[path]] for path in examples], inputs=[files], label="Example photos")
                status = gr.Markdown(elem_id="status")
            with gr.Column(scale=2):
                slider = gr.ImageSlider(label="Before / after (drag the line)", type="filepath", format="png",
                                        elem_id="before-after")
                comparison = gr.Gallery(label="Side by side", columns=4, rows=1, height=240, object_fit="contain", format="png",
                                        elem_id="comparison")
        gallery = gr.Gallery(label="All results (click one to compare it)", columns=5, height=280, object_fit="contain",
                             format="png", elem_id="results")
        downloads = gr.File(label="Download (PHOTO_colorized.png)", file_count="multiple", interactive=False,
                            elem_id="downloads")
        with gr.Accordion("Colour hints: say what colour something was", open=False, elem_id="hints-section"):
            gr.Markdown("Open a photo, pick a brush colour and paint (or just dab) on the things whose colour you "
                        "know; the hint model spreads those colours over the surface they fall on, and the "
                        "painted pixels keep them, on the photo's own lightness. Then press the button. Without "
                        "paint you get the default model's colours.")
            with gr.Row():
                editor = gr.ImageEditor(type="numpy", image_mode="RGBA", label="Photo with colour hints",
                                        brush=gr.Brush(default_size=8, colors=HINT_COLOURS, color_mode="defaults"),
                                        transforms=(), sources=("upload", "clipboard"), elem_id="hint-editor")
                hinted = gr.ImageSlider(label="Before / after", type="filepath", format="png", elem_id="hinted")
            with gr.Row():
                go_hints = gr.Button("Colorize with hints", variant="primary", elem_id="go-hints")
                hinted_file = gr.File(label="Download", interactive=False, elem_id="hinted-download")
            hint_status = gr.Markdown(elem_id="hint-status")
        go_hints.click(colorize_hinted, inputs=[editor], outputs=[hinted, hinted_file, hint_status],
                       concurrency_limit=1)
        photos_state = gr.State([])
        go.click(colorize, inputs=[files, variants],
                 outputs=[slider, gallery, comparison, downloads, status, photos_state], concurrency_limit=1)
        gallery.select(show, inputs=[photos_state], outputs=[slider, comparison])
    page.out_root = out_root
    return page


def _example_photos(folder=None, count=3):
    """Paths of a few example photos: those in `folder`, else gray copies of scikit-image's bundled
    photos (written once into the DeepColor cache)."""
    if folder:
        from deepcolor.data.images import IMAGE_EXTENSIONS
        return sorted(os.path.join(folder, f) for f in os.listdir(folder)
                      if f.lower().endswith(tuple(IMAGE_EXTENSIONS)))[:count]
    from deepcolor.files import cache_folder
    target = os.path.join(cache_folder(), "page_examples")
    wanted = ("astronaut", "coffee", "chelsea")
    paths = [os.path.join(target, f"{name}.jpg") for name in wanted]
    if not all(os.path.exists(p) for p in paths):
        try:
            import skimage.data
            from PIL import Image
            os.makedirs(target, exist_ok=True)
            for name, path in zip(wanted, paths):
                Image.fromarray(getattr(skimage.data, name)()).convert("L").save(path, quality=92)
        except Exception:  # examples are a convenience: a page without them still works
            return []
    return paths


def launch_kwargs(page):
    """What launch() and mount_gradio_app() need besides the page: the offline theme and the size limit."""
    return {"theme": page.deepcolor_theme, "max_file_size": f"{MAX_FILE_MB}mb"}


def launch(model=None, **kwargs):
    """Starts the page on its own local server and returns it (shown inline in a notebook; in Colab
    Gradio gives it a public link). kwargs go to gr.Blocks.launch; page.close() stops it."""
    page = build_page(model)
    options = {"inline": None, "prevent_thread_lock": True, "quiet": True, **launch_kwargs(page), **kwargs}
    page.launch(**options)
    return page


def mount(app, model=None, path="/colorize"):
    """Mounts the page on a FastAPI app at `path` (the study app and `deepcolor serve` use this)."""
    gr = _gradio()
    page = build_page(model)
    return gr.mount_gradio_app(app, page, path=path, footer_links=[], **launch_kwargs(page))
