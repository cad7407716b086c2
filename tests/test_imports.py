"""The shape of the package: no import cycle anywhere in deepcolor/ (function-level imports count
too), the data package's records module is a leaf, and `import deepcolor` is fast (no TensorFlow)."""

import ast
import os
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
