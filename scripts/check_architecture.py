"""Architecture checks that `make lint` runs next to import-linter's layer contract.

1. **No import cycles between modules.** Every import counts: at the top of a module, inside a
   function (a "lazy" import) and under `if TYPE_CHECKING:`, since each is a dependency a reader
   has to follow. The import graph comes from grimp (the library under import-linter); its
   strongly connected components of more than one module are the cycles.
2. **No module over 400 lines of code.** Lines of code are the lines that hold code: blank lines,
   comments and docstrings do not count.

Exit code 1, with one line per problem, when either check fails.
"""

from __future__ import annotations

import ast
import io
import sys
import tokenize
from collections.abc import Iterator
from pathlib import Path

import grimp

PACKAGE = "nazorg"
MAX_LINES_OF_CODE = 400


def import_cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm,
    iterative so that a deep graph cannot exhaust the stack), each sorted, in a stable order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0

    def successors(module: str) -> Iterator[str]:
        return iter(sorted(graph.find_modules_directly_imported_by(module)))

    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, successors(root))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, successors(child)))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(sorted(component))
    return sorted(components)


def lines_of_code(source: str) -> int:
    """Lines holding code: not blank, not only a comment, not part of a docstring."""
    docstring_lines: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if (
                body
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                end = body[0].end_lineno or body[0].lineno
                docstring_lines.update(range(body[0].lineno, end + 1))
    code_lines: set[int] = set()
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type in skip or token.type == tokenize.ENDMARKER:
            continue
        code_lines.update(range(token.start[0], token.end[0] + 1))
    return len(code_lines - docstring_lines)


def main() -> int:
    graph = grimp.build_graph(PACKAGE)
    problems: list[str] = []
    for component in import_cycles(graph):
        chain = graph.find_shortest_chain(importer=component[1], imported=component[0])
        back = graph.find_shortest_chain(importer=component[0], imported=component[1])
        shown = " -> ".join([*(chain or ()), *(back or ())[1:]])
        problems.append(f"import cycle between {', '.join(component)}: {shown}")
    root = Path(__file__).resolve().parents[1] / "src" / PACKAGE
    for path in sorted(root.rglob("*.py")):
        count = lines_of_code(path.read_text(encoding="utf-8"))
        if count > MAX_LINES_OF_CODE:
            problems.append(
                f"{path.relative_to(root.parent)}: {count} lines of code "
                f"(at most {MAX_LINES_OF_CODE}); split it by responsibility"
            )
    for problem in problems:
        print(problem)
    if not problems:
        print(f"{len(graph.modules)} modules, no import cycle, none over {MAX_LINES_OF_CODE} LOC")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
