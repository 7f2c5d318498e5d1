"""Pictures of what is inside tensors, drawn with matplotlib from the live objects.

- `show_storage(*tensors)`: the storage as a row of cells, and each tensor as a window on it
  (its elements highlighted, its size, stride and offset, and the address of one element).
- `show_graph(tensor)`: the autograd graph behind a tensor, as `backward()` walks it.

Both read only the public API (`storage()`, `stride()`, `storage_offset()`, `grad_fn`,
`next_functions`, `AccumulateGrad.variable`), so they draw PyTorch's tensors as well as dlcore's.
Each returns the matplotlib Figure: as the last line of a notebook cell it shows inline, and
`fig.savefig("picture.png")` (or `.svg`) saves it.
"""
import itertools
import math
from collections import Counter, deque

from ._tensor import Tensor

__all__ = ["show_storage", "show_graph"]

DPI = 100
# show_storage: side of one cell, in inches; storages are wrapped into rows of this many cells
CELL = 0.55
CELLS_PER_ROW = 20
STORAGE_ROW_PITCH = 1.4     # a wrapped storage row and the positions written above it
MAX_STORAGE = 200           # cells of one storage that still make a readable picture
MAX_ELEMENTS = 200          # elements of one tensor, likewise
# the colours of the first, second, ... tensor drawn: (fill, stronger line)
PALETTE = [("#f4a261", "#a0522d"), ("#7fc8bf", "#1d6b61"), ("#c9b3e6", "#5b3f8c"),
           ("#a8d08d", "#3f6b2a"), ("#f2c6de", "#94456e"), ("#b5cde8", "#2f5d8a")]
UNUSED = "#ffffff"

# show_graph: node kinds and their colours
MAX_NODES = 50
GRAPH_COLOURS = {"output": "#b9e4a2", "function": "#e4e4e4", "leaf": "#b7d7f0",
                 "none": "#ffffff"}
GRAPH_FONT = 9              # points
CHAR_WIDTH = 0.62 * GRAPH_FONT / 72   # average width of a character, in inches
LINE_HEIGHT = 1.45 * GRAPH_FONT / 72


# -- shared ----------------------------------------------------------------------------------------
def _is_tensor(obj):
    """A dlcore tensor, or anything with a tensor's public API (a PyTorch tensor)."""
    return isinstance(obj, Tensor) or all(
        hasattr(obj, name) for name in ("storage_offset", "stride", "grad_fn", "requires_grad"))


def _describe(obj):
    text = repr(obj)
    return text if len(text) <= 40 else text[:37] + "..."


def _new_figure(width, height):
    """A figure of `width` x `height` inches whose one axes spans it, in inch coordinates."""
    # pyplot, not Figure(): importing it lets Jupyter's inline backend register how to show a
    # figure. Closing it right away keeps the notebook from showing it twice (once when the
    # cell ends, once as the cell's result); the returned figure still shows and saves.
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("dlcore.viz draws with matplotlib, which is not installed here: "
                          "pip install matplotlib") from None
    # whole pixels, so the figure prints as <Figure size 830x470 ...>, not 386.125
    width, height = (math.ceil(round(size * DPI, 6)) / DPI for size in (width, height))
    fig = plt.figure(figsize=(width, height), dpi=DPI)
    plt.close(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(-height, 0)
    ax.set_axis_off()
    return fig, ax


def _number(value, digits=4):
    """A number in a few characters: `digits` significant digits for a float."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value) if abs(value) < 10**6 else f"{value:.1e}"
    return f"{value:.{digits}g}"


def _shape(t):
    return tuple(t.shape)


# -- show_storage ----------------------------------------------------------------------------------
def show_storage(*tensors, **named_tensors):
    """Draw each tensor as a window on its storage.

    For each tensor: its storage as a row of numbered cells (the cells the tensor reads
    highlighted, with a count where it reads one several times, as `expand` does), its elements as
    a grid (2-D; one grid per leading index in more dimensions) with the storage position of
    each, its size, stride and offset, and the arithmetic that finds one element's cell.
    Name the tensors by passing them as keywords: `show_storage(points=p, points_t=p.t())`.
    Returns the matplotlib Figure."""
    views = [(f"#{k + 1}", t) for k, t in enumerate(tensors)] + list(named_tensors.items())
    if not views:
        raise TypeError("show_storage() expects at least one tensor, e.g. "
                        "show_storage(torch.arange(6.).view(2, 3))")
    for number, (name, t) in enumerate(views, start=1):
        if not _is_tensor(t):
            where = f"argument {name!r}" if not name.startswith("#") else f"argument {number}"
            raise TypeError(f"show_storage() expects tensors, but {where} is a "
                            f"{type(t).__name__}: {_describe(t)}. Make a tensor first, e.g. "
                            "torch.tensor([1.0, 2.0])")
    panels = [_StoragePanel(name, t, colours)
              for (name, t), colours in zip(views, itertools.cycle(PALETTE))]
    _note_shared_storages(panels)

    margin = 0.3
    width = max(p.width for p in panels) * CELL + 2 * margin
    height = sum(p.height for p in panels) * CELL + margin
    fig, ax = _new_figure(width, height)
    top = -margin
    for panel in panels:
        panel.draw(ax, margin, top)
        top -= panel.height * CELL
    return fig


def _note_shared_storages(panels):
    """Tell, in each panel's header, which other tensors drawn read the same storage."""
    for panel in panels:
        others = [p.name for p in panels if p is not panel and p.storage_ptr == panel.storage_ptr
                  and p.storage_ptr != 0]
        panel.shared_with = others


class _StoragePanel:
    """One tensor's part of a show_storage figure, laid out in cell units (top to bottom: header,
    storage rows, element grids, the address of one element)."""

    def __init__(self, name, t, colours):
        storage = t.storage()
        self.name, self.colours = name, colours
        self.size, self.stride, self.offset = _shape(t), tuple(t.stride()), t.storage_offset()
        if len(storage) > MAX_STORAGE:
            raise ValueError(
                f"show_storage() draws storages of up to {MAX_STORAGE} elements, but the storage "
                f"of tensor {name} has {len(storage)}. Draw a small example with the same "
                "layout, e.g. torch.arange(24.).view(2, 3, 4) and its views")
        numel = math.prod(self.size)
        if numel > MAX_ELEMENTS:
            raise ValueError(f"show_storage() draws tensors of up to {MAX_ELEMENTS} elements, but "
                             f"tensor {name} has {numel} (size {self.size}). Draw a slice of it, "
                             "e.g. t[:4, :4]")
        self.values = storage.tolist()
        self.storage_ptr = storage.data_ptr()
        self.dtype = str(t.dtype).rsplit(".", 1)[-1]
        self.contiguous = t.is_contiguous()
        # every element's index and the storage position it reads: offset + sum(index * stride)
        self.positions = {index: self.offset + sum(i * s for i, s in zip(index, self.stride))
                          for index in itertools.product(*(range(n) for n in self.size))}
        self.reads = Counter(self.positions.values())     # expand: one cell, several elements
        self.shared_with = []

        # the layout, in cells
        self.per_row = min(max(len(self.values), 1), CELLS_PER_ROW)
        self.storage_rows = max(1, -(-len(self.values) // self.per_row))
        rows, columns = self._grid_shape()
        blocks = math.prod(self.size[:-2])
        self.blocks_per_line = max(1, min(blocks, (CELLS_PER_ROW + 1) // (columns + 1)))
        block_lines = -(-blocks // self.blocks_per_line)
        self.block_height = rows + (1 if len(self.size) > 2 else 0)   # room for a block's label
        grid_width = self.blocks_per_line * (columns + 1) - 1
        self.width = max(self.per_row, grid_width, 14)
        # header, storage label, storage rows (each under its row of positions), a gap,
        # element grids, the formula line
        self.storage_top = 2.0
        self.grid_top = self.storage_top + self.storage_rows * STORAGE_ROW_PITCH + 0.8
        self.height = self.grid_top + block_lines * (self.block_height + 0.4) + 1.4

    def _grid_shape(self):
        """Rows and columns of the grid an element block is drawn as."""
        if len(self.size) == 0:
            return 1, 1
        if len(self.size) == 1:
            return 1, self.size[0]
        return self.size[-2], self.size[-1]

    def _storage_xy(self, position):
        """Top-left corner, in cells, of storage cell `position`."""
        row, column = divmod(position, self.per_row)
        return column, self.storage_top + row * STORAGE_ROW_PITCH

    def _element_xy(self, index):
        """Top-left corner, in cells, of the element at `index`."""
        rows, columns = self._grid_shape()
        padded = (0, 0) + tuple(index)      # a 0-d or 1-D tensor is one row of one grid
        lead, row, column = index[:-2], padded[-2], padded[-1]
        block = 0
        for i, n in zip(lead, self.size[:-2]):
            block = block * n + i
        line, place = divmod(block, self.blocks_per_line)
        x = place * (columns + 1) + column
        y = self.grid_top + line * (self.block_height + 0.4) + (self.block_height - rows) + row
        return x, y

    def draw(self, ax, left, top):
        from matplotlib.patches import Rectangle

        def at(x, y):                      # cell units of this panel -> inches of the figure
            return left + x * CELL, top - y * CELL

        fill, line = self.colours
        contiguity = "contiguous" if self.contiguous else "not contiguous"
        ax.text(*at(0, 0.35), f"{self.name}: size {self.size}, stride {self.stride}, "
                f"offset {self.offset}, {contiguity}", fontsize=11, fontweight="bold",
                va="top", color=line, gid="header")
        shared = f", shared with {', '.join(self.shared_with)}" if self.shared_with else ""
        ax.text(*at(0, 1.1), f"storage: {len(self.values)} × {self.dtype}{shared}; "
                f"the cells {self.name} reads are coloured", fontsize=9, va="top",
                gid="storage-label")
        for position, value in enumerate(self.values):
            x, y = self._storage_xy(position)
            used = position in self.reads
            ax.add_patch(Rectangle(at(x + 0.05, y + 0.95), 0.9 * CELL, 0.9 * CELL,
                                   facecolor=fill if used else UNUSED, edgecolor="#555555",
                                   linewidth=0.8,
                                   gid="storage-cell-used" if used else "storage-cell"))
            ax.text(*at(x + 0.5, y + 0.5), _number(value), ha="center", va="center", fontsize=8,
                    gid="storage-value")
            ax.text(*at(x + 0.5, y - 0.05), str(position), ha="center", va="bottom", fontsize=7,
                    color="#777777", gid="storage-position")
            if self.reads[position] > 1:
                ax.text(*at(x + 0.93, y + 0.92), f"×{self.reads[position]}", ha="right",
                        va="bottom", fontsize=6, color=line, gid="read-count")

        if not self.positions:
            ax.text(*at(0, self.grid_top + 0.5), f"{self.name} has no elements (size {self.size})",
                    fontsize=9, va="center", gid="formula")
            return
        for index, position in self.positions.items():
            x, y = self._element_xy(index)
            ax.add_patch(Rectangle(at(x + 0.05, y + 0.95), 0.9 * CELL, 0.9 * CELL, facecolor=fill,
                                   edgecolor=line, linewidth=1.0, gid="element"))
            ax.text(*at(x + 0.5, y + 0.45), _number(self.values[position]), ha="center",
                    va="center", fontsize=8, gid="element-value")
            ax.text(*at(x + 0.9, y + 0.9), f"@{position}", ha="right", va="bottom", fontsize=5.5,
                    color=line, gid="element-position")
        if len(self.size) > 2:            # label each block with its leading index
            rows, _ = self._grid_shape()
            for lead in itertools.product(*(range(n) for n in self.size[:-2])):
                x, y = self._element_xy(lead + (0, 0))
                label = ", ".join(str(i) for i in lead) + ", :, :"
                ax.text(*at(x, y - 0.15), f"[{label}]", fontsize=7, va="bottom", gid="block-label")

        # one element's address, written out and shown by an arrow
        index = tuple(n - 1 for n in self.size)
        position = self.positions[index]
        terms = " + ".join([str(self.offset)] + [f"{i}·{s}" for i, s in zip(index, self.stride)])
        subscript = f"[{', '.join(map(str, index))}]" if index else ""
        ax.text(*at(0, self.height - 1.2),
                f"{self.name}{subscript} is storage[offset + Σ index·stride] = storage[{terms}] "
                f"= storage[{position}]", fontsize=9, va="top", gid="formula")
        ex, ey = self._element_xy(index)
        sx, sy = self._storage_xy(position)
        ax.annotate("", xy=at(sx + 0.5, sy + 0.95), xytext=at(ex + 0.5, ey + 0.05),
                    arrowprops=dict(arrowstyle="-|>", color=line, linewidth=1.3,
                                    connectionstyle="arc3,rad=0.15", shrinkA=0, shrinkB=0),
                    gid="address-arrow")


# -- show_graph ------------------------------------------------------------------------------------
def show_graph(tensor, params=None, max_nodes=MAX_NODES):
    """Draw the autograd graph behind `tensor`, the way `backward()` walks it.

    The output sits at the top; under it each `grad_fn` node (named as PyTorch names them,
    `MulBackward0`, ...) in rows by its distance from the output, with arrows following
    `next_functions`; at the ends, the `AccumulateGrad` node of every leaf that requires grad,
    with the leaf's shape, `requires_grad` and, after a backward, its `.grad` — and a `None` box
    for each input that needs no gradient. `params` names leaves: a dict `{name: tensor}` or
    pairs such as `model.named_parameters()`. Returns the matplotlib Figure."""
    if not _is_tensor(tensor):
        raise TypeError(f"show_graph() expects a tensor, but got a {type(tensor).__name__}: "
                        f"{_describe(tensor)}. Pass the result of a computation, like "
                        "show_graph(loss)")
    if tensor.grad_fn is None:
        if tensor.requires_grad:
            raise ValueError(
                "show_graph() draws the graph that produced a tensor, but this tensor has no "
                "grad_fn: it is a leaf, made directly (with requires_grad=True) rather than "
                "computed. Draw a result computed from it instead, e.g. show_graph(w * x + b)")
        raise ValueError(
            "show_graph() draws the graph that produced a tensor, but this tensor has no grad_fn: "
            "no graph was recorded for it, because none of its inputs had requires_grad=True or it "
            "was computed under no_grad(). Create the leaves with requires_grad=True (e.g. "
            "w = torch.tensor(1.0, requires_grad=True)) and compute it again")
    names = {}
    if params is not None:
        for name, p in (params.items() if hasattr(params, "items") else params):
            names[id(p)] = name
    graph = _Graph(tensor, names)
    if len(graph.functions) > max_nodes:
        raise ValueError(
            f"show_graph(): the graph behind this tensor has {len(graph.functions)} nodes "
            f"(grad_fn and AccumulateGrad), more than the {max_nodes} that stay readable. Draw a "
            "smaller piece: the loss of one small batch, one layer's output, or a loop of fewer "
            f"steps — or pass max_nodes={len(graph.functions)} to draw it all the same")
    return graph.draw()


class _Box:
    """A box of the graph picture: a title line and detail lines, of one kind (GRAPH_COLOURS)."""

    def __init__(self, kind, title, details=()):
        self.kind, self.title, self.details = kind, title, list(details)
        self.children = []           # boxes the arrows from this one point to
        self.parents = []
        self.depth = 0
        self.x = 0.0
        longest = max(len(line) for line in [title] + self.details)
        self.width = longest * CHAR_WIDTH + 0.3
        self.height = (1 + len(self.details)) * LINE_HEIGHT + 0.16


class _Graph:
    """The boxes and arrows of a show_graph picture: walks the graph, then lays it out."""

    def __init__(self, tensor, names):
        self.names = names
        self.functions = {}          # id(node) -> its box, for grad_fn and AccumulateGrad nodes
        output = _Box("output", names.get(id(tensor), "output"), _tensor_details(tensor, False))
        self.boxes = []
        self._add(output)
        self._keep = [tensor.grad_fn]     # node ids stay valid while the nodes are alive
        self._link(output, self._function_box(tensor.grad_fn))
        queue = deque([tensor.grad_fn])
        while queue:                 # breadth first, one visit per node (shared nodes once)
            node = queue.popleft()
            box = self.functions[id(node)]
            for next_node, _ in node.next_functions:
                if next_node is None:
                    child = self._add(_Box("none", "None", ["(needs no grad)"]))
                elif id(next_node) in self.functions:
                    child = self.functions[id(next_node)]
                else:
                    self._keep.append(next_node)
                    child = self._function_box(next_node)
                    queue.append(next_node)
                self._link(box, child)

    def _function_box(self, node):
        title = type(node).__name__          # PyTorch's node.name() adds a C++ namespace
        variable = getattr(node, "variable", None)
        if variable is not None:             # AccumulateGrad: show the leaf it fills
            name = self.names.get(id(variable), "leaf")
            box = _Box("leaf", title, [f"→ {name}.grad"] + _tensor_details(variable, True))
        else:
            box = _Box("function", title)
        self.functions[id(node)] = box
        self._add(box)
        return box

    def _add(self, box):
        box.found = len(self.boxes)          # siblings keep the order of next_functions
        self.boxes.append(box)
        return box

    @staticmethod
    def _link(parent, child):
        parent.children.append(child)
        child.parents.append(parent)

    def _layer(self):
        """Rows by longest distance from the output, so that every arrow points downwards."""
        order, seen, stack = [], set(), [(self.boxes[0], False)]
        while stack:                 # depth-first post-order, without recursion
            box, done = stack.pop()
            if done:
                order.append(box)
                continue
            if id(box) in seen:
                continue
            seen.add(id(box))
            stack.append((box, True))
            stack.extend((child, False) for child in reversed(box.children)
                         if id(child) not in seen)
        for box in reversed(order):  # parents before children
            for child in box.children:
                child.depth = max(child.depth, box.depth + 1)
        layers = {}
        for box in reversed(order):
            layers.setdefault(box.depth, []).append(box)
        return [layers[d] for d in sorted(layers)]

    def _place(self, layers, gap=0.3):
        """x of each box: under the mean of its parents, pushed right so boxes don't overlap."""
        for layer in layers:
            for box in layer:
                box.wanted = (sum(p.x for p in box.parents) / len(box.parents)
                              if box.parents else 0.0)
            layer.sort(key=lambda b: (b.wanted, b.found))
            right = -math.inf
            for box in layer:
                box.x = max(box.wanted, right + gap + box.width / 2)
                right = box.x + box.width / 2
            shift = sum(b.wanted - b.x for b in layer) / len(layer)
            for box in layer:
                box.x += shift

    def draw(self):
        from matplotlib.patches import FancyBboxPatch

        layers = self._layer()
        self._place(layers)
        margin, row_gap = 0.25, 0.45
        left = min(b.x - b.width / 2 for b in self.boxes) - margin
        right = max(b.x + b.width / 2 for b in self.boxes) + margin
        tops, top = [], -margin - 0.35          # room for the caption
        for layer in layers:
            tops.append(top)
            top -= max(b.height for b in layer) + row_gap
        height = -top - row_gap + margin
        width = max(right - left, 4.5)
        fig, ax = _new_figure(width, height)
        shift = -left + (width - (right - left)) / 2
        ax.text(margin, -margin, "arrows follow grad_fn.next_functions: backward() runs from the "
                "top down", fontsize=8, color="#555555", va="top", gid="caption")
        for layer, layer_top in zip(layers, tops):
            for box in layer:
                box.cx, box.top = box.x + shift, layer_top
                ax.add_patch(FancyBboxPatch(
                    (box.cx - box.width / 2, layer_top - box.height), box.width, box.height,
                    boxstyle="round,pad=0,rounding_size=0.06", facecolor=GRAPH_COLOURS[box.kind],
                    edgecolor="#444444", linewidth=0.9,
                    linestyle="--" if box.kind == "none" else "-",
                    gid=f"node-{box.kind}", zorder=2))
                ax.text(box.cx, layer_top - 0.08, box.title, ha="center", va="top",
                        fontsize=GRAPH_FONT, fontweight="bold", gid=f"title-{box.kind}", zorder=3)
                if box.details:
                    ax.text(box.cx, layer_top - 0.08 - LINE_HEIGHT, "\n".join(box.details),
                            ha="center", va="top", fontsize=GRAPH_FONT - 1, linespacing=1.3,
                            gid=f"details-{box.kind}", zorder=3)
        for box in self.boxes:
            # x * x: two edges to one node, drawn as one arrow marked ×2
            counts = Counter(id(child) for child in box.children)
            for child in {id(child): child for child in box.children}.values():
                count = counts[id(child)]
                ax.annotate("", xy=(child.cx, child.top), xytext=(box.cx, box.top - box.height),
                            arrowprops=dict(arrowstyle="-|>", color="#333333", linewidth=1.0,
                                            shrinkA=0, shrinkB=0), zorder=1, gid="edge")
                if count > 1:
                    ax.text((child.cx + box.cx) / 2 + 0.05,
                            (child.top + box.top - box.height) / 2, f"×{count}", fontsize=8,
                            gid="edge-count")
        return fig


def _tensor_details(t, with_grad):
    """The lines that describe a leaf (or the output): shape, requires_grad, grad or value."""
    lines = [f"shape {_shape(t)}"]
    if with_grad:
        lines.append(f"requires_grad={t.requires_grad}")
        lines.append("grad=None" if t._grad is None else f"grad={_values(t._grad)}")
    elif t.numel() == 1:
        lines.append(f"value {_values(t)}")
    return lines


def _values(t, most=4):
    """A tensor's values in one short line: all of a small one, a summary of a big one."""
    values = t.detach().reshape(-1).tolist()
    if len(values) == 1 and len(_shape(t)) == 0:
        return _number(values[0], 5)
    if len(values) <= most:
        return "[" + ", ".join(_number(v, 5) for v in values) + "]"
    return f"{len(values)} values, largest |value| {_number(max(abs(v) for v in values))}"
