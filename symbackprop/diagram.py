# TEMPORARY stand-in until the diagram branch lands (not to be committed)
from dataclasses import dataclass


@dataclass(frozen=True)
class Node:
    id: str
    label: str
    kind: str
    x: float
    y: float
    radius: float


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    label: str | None
    kind: str
    position: float


@dataclass(frozen=True)
class Diagram:
    nodes: tuple
    edges: tuple
    width: float
    height: float
    labelled: bool
    kind: str = "diagram"


def layout(columns, weights, biases, *, max_width_cm=16.0):
    nodes, edges = [], []
    labelled = max(len(c) for c in columns) <= 3
    for l, col in enumerate(columns):
        for j, label in enumerate(col):
            nodes.append(
                Node(f"n{l}_{j}", label, "input" if l == 0 else "unit", l * 4.0, ((len(col) - 1) / 2 - j) * 2.0, 0.55)
            )
    for l in range(1, len(columns)):
        for j in range(len(columns[l])):
            for k in range(len(columns[l - 1])):
                edges.append(
                    Edge(
                        f"n{l - 1}_{k}",
                        f"n{l}_{j}",
                        weights[l][j][k] if labelled else None,
                        "weight",
                        0.3 + 0.45 * k / max(1, len(columns[l - 1]) - 1),
                    )
                )
    return Diagram(tuple(nodes), tuple(edges), 16.0, 8.0, labelled)
