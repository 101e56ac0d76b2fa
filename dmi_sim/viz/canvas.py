"""A figure redrawn in part, to PNG: what stays still is drawn once, what moves every day.

Axes, ticks, titles and legends cost most of a matplotlib draw and change rarely. They are
drawn once into a saved background; each day restores it and draws only the moving
artists on top (blitting, as ``studies.compare.animation`` does for its GIF frames). The owner says
when the still part changed (new axis limits, a new legend, another heat map) with
``redraw_all``.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image


class BlitCanvas:
    """Renders ``figure`` to PNG bytes, redrawing only the artists passed to ``png``."""

    def __init__(self, figure: Figure) -> None:
        self.figure = figure
        self.canvas = FigureCanvasAgg(figure)
        self.background = None

    def redraw_all(self) -> None:
        """The still part changed: draw it again at the next ``png``."""
        self.background = None

    def png(self, moving: Iterable[Artist]) -> bytes:
        """The figure as PNG bytes; ``moving`` (marked animated when created, so the full
        draw leaves them out) are drawn on top in z-order."""
        if self.background is None:
            self.canvas.draw()  # draws everything but the animated artists
            self.background = self.canvas.copy_from_bbox(self.figure.bbox)
        else:
            self.canvas.restore_region(self.background)
        for artist in sorted(moving, key=lambda a: a.get_zorder()):
            self.figure.draw_artist(artist)
        image = Image.frombuffer(
            "RGBA", self.canvas.get_width_height(), self.canvas.buffer_rgba(), "raw", "RGBA", 0, 1
        )
        buffer = io.BytesIO()
        image.save(buffer, format="png", compress_level=1)
        return buffer.getvalue()
