"""The shape of the package: no import cycle anywhere in deepcolor/ (function-level imports count
too), the data package's records module is a leaf, and `import deepcolor` is fast (no TensorFlow)."""

import ast
import os
import re
import subprocess
import sys

from tests.conftest import ROOT

PACKAGE = os.path.join(ROOT, "deepcolor")


def import_graph():
    """{module: {deepcolor modules it imports}} from the source, every import statement counted."""
    modules = {}
    for folder, _, files in os.walk(PACKAGE):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                module = os.path.relpath(path[:-3], ROOT).replace(os.sep, ".")
                modules[module.removesuffix(".__init__")] = path
    graph = {m: set() for m in modules}
    for module, path in modules.items():
        package = module if path.endswith("__init__.py") else module.rpartition(".")[0]
        for node in ast.walk(ast.parse(open(path, encoding="utf-8").read())):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[:len(package.split(".")) - node.level + 1]
                    base = ".".join(parts + ([base] if base else []))
                names = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            else:
                continue
            for name in names:
                while name and name not in modules:
                    name = name.rpartition(".")[0]
                if name and name != module:
                    graph[module].add(name)
    return graph


def cycles(graph):
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10000))
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycle_in_the_package():
    graph = import_graph()
    assert len(graph) > 50
    assert cycles(graph) == []
    assert cycles({"a": {"b"}, "b": {"a"}, "c": set()}) == [["a", "b"]]  # the detector itself


def test_data_records_is_a_leaf_and_sources_are_registered_in_one_place():
    graph = import_graph()
    data = {m for m in graph if m.startswith("deepcolor.data.")}
    assert not graph["deepcolor.data.records"] & (data - {"deepcolor.data.images"})
    for loader in ("coco", "hf", "cifar", "shards", "colorbias"):
        assert "deepcolor.data.sources" not in graph[f"deepcolor.data.{loader}"], loader


def test_import_deepcolor_is_fast_and_leaves_tensorflow_alone():
    code = "import sys, deepcolor, deepcolor.data.records; print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                         env=dict(os.environ, PYTHONPATH=ROOT)).stdout
    assert out.strip() == "False"


def test_the_layout_the_architecture_map_shows():
    """docs/architecture.md's promises: at most 14 modules directly in deepcolor/, none over 500 lines,
    every package and top-level module named on the map, and nothing on the map that is not there;
    files.py is a leaf (anything may import it), and no library module raises SystemExit."""
    top = sorted(f for f in os.listdir(PACKAGE) if f.endswith(".py"))
    packages = sorted(d for d in os.listdir(PACKAGE) if os.path.isfile(os.path.join(PACKAGE, d, "__init__.py")))
    assert len(top) <= 14, top
    long = [os.path.relpath(os.path.join(d, f), ROOT) for d, _, fs in os.walk(PACKAGE) for f in fs
            if f.endswith(".py") and sum(1 for _ in open(os.path.join(d, f), encoding="utf-8")) > 500]
    assert long == []
    text = open(os.path.join(ROOT, "docs", "architecture.md"), encoding="utf-8").read()
    table = text[text.index("## The packages and top-level modules"):text.index("## Two walks")]
    first_cells = [line.split("|")[1] for line in table.splitlines() if line.startswith("| `")]
    named = {name for cell in first_cells for name in re.findall(r"`([a-z_]+(?:\.py|/))`", cell)}
    assert named == {f for f in top} | {p + "/" for p in packages} | {"resources/"}, named ^ ({*top} | {p + "/" for p in packages})
    assert import_graph()["deepcolor.files"] == set()
    entry_points = ("deepcolor/runs.py",)  # run_cli: the one place a DeepColorError becomes an exit code
    raising = [os.path.relpath(os.path.join(d, f), ROOT) for d, _, fs in os.walk(PACKAGE) for f in fs
               if f.endswith(".py") and "raise SystemExit" in open(os.path.join(d, f), encoding="utf-8").read()]
    assert [p for p in raising if p not in entry_points] == []


def test_atomic_path_replaces_only_complete_writes(tmp_path):
    from deepcolor.files import atomic_path, remove_stale_temp_files, temp_path
    target = tmp_path / "page.md"
    target.write_text("old")
    try:
        with atomic_path(str(target)) as tmp:
            open(tmp, "w").write("half")
            raise RuntimeError("crash mid-write")
    except RuntimeError:
        pass
    assert target.read_text() == "old" and sorted(os.listdir(tmp_path)) == ["page.md"]
    with atomic_path(str(target)) as tmp:
        open(tmp, "w").write("new")
    assert target.read_text() == "new"
    folder = tmp_path / "saved"
    for content in ("v1", "v2"):  # a folder replaces the old folder
        with atomic_path(str(folder)) as tmp:
            os.makedirs(tmp)
            open(os.path.join(tmp, "f"), "w").write(content)
    assert (folder / "f").read_text() == "v2" and sorted(os.listdir(folder)) == ["f"]
    left = temp_path(str(target), pid=999999)
    open(left, "w").write("a killed run's")
    remove_stale_temp_files([str(target)])
    assert not os.path.exists(left) and target.read_text() == "new"
