"""The architecture checks of `make lint` (scripts/check_architecture.py) find what they must."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import grimp

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "check_architecture.py"


def _checker() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_architecture", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["check_architecture"] = module
    spec.loader.exec_module(module)
    return module


def _graph(*imports: tuple[str, str]) -> grimp.ImportGraph:
    graph = grimp.ImportGraph()
    for importer, imported in imports:
        graph.add_module(importer)
        graph.add_module(imported)
        graph.add_import(importer=importer, imported=imported)
    return graph


def test_a_cycle_through_three_modules_is_found_and_a_chain_is_not() -> None:
    check = _checker()
    graph = _graph(("p.a", "p.b"), ("p.b", "p.c"), ("p.c", "p.a"), ("p.c", "p.d"), ("p.e", "p.a"))
    assert check.import_cycles(graph) == [["p.a", "p.b", "p.c"]]
    assert check.import_cycles(_graph(("p.a", "p.b"), ("p.b", "p.c"))) == []


def test_two_separate_cycles_are_both_reported() -> None:
    check = _checker()
    graph = _graph(("p.a", "p.b"), ("p.b", "p.a"), ("p.x", "p.y"), ("p.y", "p.x"))
    assert check.import_cycles(graph) == [["p.a", "p.b"], ["p.x", "p.y"]]


def test_lines_of_code_leave_out_docstrings_comments_and_blank_lines() -> None:
    check = _checker()
    source = '''"""Module doc
over two lines."""

# a comment
import os


def f(x: int) -> int:
    """Doc."""
    y = (x +
         1)  # continued
    return y
'''
    assert check.lines_of_code(source) == 5  # import, def, two lines of y, return


def test_the_package_as_it_stands_has_no_cycle() -> None:
    check = _checker()
    assert check.import_cycles(grimp.build_graph("nazorg")) == []
