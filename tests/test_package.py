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


def calls(name: str) -> list[tuple[str, int, int]]:
    "(module, line, keyword arguments) of every call of `name` in the package."
    import ast

    found = []
    for f in PKG.glob("*.py"):
        for node in ast.walk(ast.parse(f.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == name:
                found.append((f.stem, node.lineno, len(node.keywords)))
    return found


def test_settings_are_passed_down_not_through_the_environment():
    "Settings are resolved once and passed down: nothing in the package writes a NANOLLAMA_* environment variable."
    writes = [
        f"{f.name}:{i}"
        for f in PKG.glob("*.py")
        for i, line in enumerate(f.read_text().splitlines(), 1)
        if "NANOLLAMA_" in line and re.search(r"os\.environ\[[^]]+\]\s*=[^=]|os\.environ\.(update|setdefault)\(|putenv", line)
    ]
    assert not writes, writes


def test_trainers_take_a_config_not_a_dozen_keywords():
    "The stage entry points take a TrainConfig or a Recipe; no caller forwards more than 8 keyword arguments."
    sites = {name: calls(name) for name in ("finetune", "dpo_train", "run_pretrain")}
    assert all(sites.values()), sites  # the scan sees the real calls (CLI and speedrun)
    wide = [(name, *s) for name, ss in sites.items() for s in ss if s[2] > 8]
    assert not wide, wide
