"""The one-way architecture holds (issue #14; docs/design.md).

* The import contracts in pyproject.toml (`lint-imports`): layers config > learning > annotations >
  pure libraries, the domain never imports learning, the pure libraries import no Django or app,
  no cycles between sibling packages, and each app's own layering.
* No import circle between any two modules of the repository (function-level imports included).
* Every task the code sends by name (`task_send("...")`) is a registered Celery task, on the queue
  its route names.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("config", "annotations", "learning", "imaging", "ml", "synthetic", "layouts")


def test_import_contracts_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def _circles(graph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    modules = sorted(graph.modules)
    edges = {
        m: sorted(t for t in graph.find_modules_directly_imported_by(m) if t in graph.modules)
        for m in modules
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in modules:
        if root in index:
            continue
        work = [(root, iter(edges[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_circle_between_modules():
    graph = grimp.build_graph(*PACKAGES, cache_dir=None)
    assert _circles(graph) == []


def test_the_circle_finder_finds_a_circle(tmp_path, monkeypatch):
    """The check above can fail: two modules importing each other are reported."""
    pkg = tmp_path / "circlepkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from circlepkg import b\n")
    (pkg / "b.py").write_text("def f():\n    from circlepkg import a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    graph = grimp.build_graph("circlepkg", cache_dir=None)
    assert _circles(graph) == [["circlepkg.a", "circlepkg.b"]]


def _sent_task_names() -> set[str]:
    names = set()
    for package in ("annotations", "learning"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if (
                    isinstance(node, ast.Call)
                    and getattr(node.func, "id", None) == "task_send"
                    and node.args
                    and isinstance(node.args[0], ast.Constant)
                ):
                    names.add(node.args[0].value)
    return names


def test_every_task_sent_by_name_is_registered_on_its_queue():
    from annotations.services.jobs.dispatch import task_registered
    from config.celery import app

    names = _sent_task_names()
    for name in names:
        task_registered(name)
    assert {"annotations.import_job", "learning.score_dataset", "learning.train_model"} <= names
    registered = set(app.tasks)
    assert names - registered == set()
    # Routing by name: every route names a registered task, none a module pattern.
    routes = app.conf.task_routes
    assert set(routes) <= registered
    gpu = {name for name in registered if app.amqp.router.route({}, name)["queue"].name == "gpu"}
    assert gpu == {"learning.score_dataset", "learning.score_chunk", "learning.train_model"}
