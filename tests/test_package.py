"""The package's shape: the data's path through the modules is a straight line.

No import cycle, lazy imports included."""
import re
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "nanollama"


def imports() -> dict[str, set[str]]:
    "Module -> the package modules it imports, at the top or inside a function."
    graph = {}
    for f in PKG.glob("*.py"):
        if f.name.startswith("_"):
            continue
        text = f.read_text()
        found = re.findall(r"^\s*from (?:\.|nanollama\.)(\w+) import", text, re.M)
        found += re.findall(r"^\s*import nanollama\.(\w+)", text, re.M)
        graph[f.stem] = set(found) - {f.stem}
    return graph


def test_no_import_cycle():
    graph, cycles = imports(), []

    def visit(node, path):
        for dep in sorted(graph.get(node, ())):
            if dep in path:
                cycles.append(path[path.index(dep):] + [dep])
            else:
                visit(dep, path + [dep])

    for module in graph:
        visit(module, [module])
    assert not cycles, cycles[:5]


def test_the_graph_is_read():  # the check above would pass on an empty graph: make sure it sees real edges
    graph = imports()
    assert {"tokenizer"} <= graph["agent"] and "train" in graph["sft"] and "settings" in graph["data"], graph
