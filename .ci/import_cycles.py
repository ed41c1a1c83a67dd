"""List every import cycle between the portal's modules; exit 1 if there is one.

Run from the repository root: .venv/bin/python .ci/import_cycles.py
Imports made inside functions count too (grimp sees them): a cycle hidden in a function is
still a cycle. Migrations are left out (Django loads them by name, never by import).
"""

import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = (
    "core",
    "programs",
    "partners",
    "enrollment",
    "centre",
    "partner_space",
    "backoffice",
    "demo",
    "cnam_portal",
)


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative: the groups of modules that import each other, directly or not."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    groups: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1 or node in graph[node]:
                        groups.append(sorted(group))
    return groups


def main() -> int:
    sys.path.insert(0, str(ROOT))
    imports = grimp.build_graph(*PACKAGES, include_external_packages=False)
    modules = {m for m in imports.modules if ".migrations" not in m}
    graph = {m: {i for i in imports.find_modules_directly_imported_by(m) if i in modules} for m in modules}
    # A package's __init__ importing its own submodules (enrollment.models) is how Python packages
    # expose them, not a cycle of the design: only count edges from a submodule back up to it.
    for module in modules:
        graph[module] = {i for i in graph[module] if not i.startswith(module + ".")}
    cycles = strongly_connected(graph)
    print(
        f"{len(modules)} modules, {sum(len(v) for v in graph.values())} imports between them, {len(cycles)} cycle(s)."
    )
    for group in cycles:
        print("cycle: " + " -> ".join(group))
    return 1 if cycles else 0


if __name__ == "__main__":
    sys.exit(main())
