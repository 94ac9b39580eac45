#!/usr/bin/env python3
"""Draws the add-on's icon.png (128x128) and logo.png (250x100).

The Supervisor shows icon.png in the add-on store and logo.png on the add-on's
page. The glyph is a house with a clock in it: the routines of a home. Both
pictures are drawn from a few shapes (segments, rings, discs) with 4x4
supersampling and written as RGBA PNGs with the standard library only, so
they can be redrawn anywhere:

    python3 packaging/icons.py      # writes packaging/hassio/{icon,logo}.png
"""

import math
import struct
import zlib
from pathlib import Path

TEAL = (11, 122, 117)
WHITE = (255, 255, 255)
INK = (38, 50, 56)
SAMPLES = 4


def segment(ax, ay, bx, by, width):
    """A stroke from a to b with round ends."""

    def inside(x, y):
        dx, dy = bx - ax, by - ay
        t = ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)
        t = max(0.0, min(1.0, t))
        return math.hypot(x - ax - t * dx, y - ay - t * dy) <= width / 2

    return inside


def ring(cx, cy, radius, width, start=0.0, end=360.0):
    """A circle's stroke, or the arc from start to end degrees (0 = east,
    counted clockwise as y points down)."""

    def inside(x, y):
        if abs(math.hypot(x - cx, y - cy) - radius) > width / 2:
            return False
        angle = math.degrees(math.atan2(y - cy, x - cx)) % 360
        return start <= angle <= end if start <= end else angle >= start or angle <= end

    return inside


def disc(cx, cy, radius):
    return lambda x, y: math.hypot(x - cx, y - cy) <= radius


def rounded_square(size, radius):
    def inside(x, y):
        qx = max(abs(x - size / 2) - (size / 2 - radius), 0)
        qy = max(abs(y - size / 2) - (size / 2 - radius), 0)
        return math.hypot(qx, qy) <= radius

    return inside


def house(ox, oy, s):
    """The glyph in a box of s x s at (ox, oy): roof, walls and a clock."""
    w = 0.075 * s
    p = lambda fx, fy: (ox + fx * s, oy + fy * s)  # noqa: E731
    lines = [
        (*p(0.12, 0.48), *p(0.5, 0.14)),  # roof
        (*p(0.5, 0.14), *p(0.88, 0.48)),
        (*p(0.22, 0.42), *p(0.22, 0.86)),  # walls
        (*p(0.78, 0.42), *p(0.78, 0.86)),
        (*p(0.22, 0.86), *p(0.78, 0.86)),  # floor
    ]
    shapes = [segment(*line, w) for line in lines]
    cx, cy = p(0.5, 0.6)
    shapes.append(ring(cx, cy, 0.17 * s, 0.06 * s))  # clock face
    shapes.append(segment(cx, cy, cx, cy - 0.1 * s, 0.05 * s))  # hands
    shapes.append(segment(cx, cy, cx + 0.08 * s, cy, 0.05 * s))
    return shapes


def wordmark(ox, baseline, x_height, stroke):
    """'habitd' in a geometric hand: stems, bowls and dots."""
    r = x_height / 2
    asc = baseline - 1.75 * x_height
    mid = baseline - r
    shapes, x = [], ox

    def stem(x, top):
        shapes.append(segment(x, top, x, baseline, stroke))

    # h
    stem(x, asc)
    shapes.append(ring(x + r, mid, r, stroke, 180, 360))
    stem(x + 2 * r, mid)
    x += 2 * r + 0.55 * x_height
    # a
    shapes.append(ring(x + r, mid, r, stroke))
    stem(x + 2 * r, baseline - x_height)
    x += 2 * r + 0.55 * x_height
    # b
    stem(x, asc)
    shapes.append(ring(x + r, mid, r, stroke))
    x += 2 * r + 0.55 * x_height
    # i
    stem(x, baseline - x_height)
    shapes.append(disc(x, baseline - x_height - 1.6 * stroke, 0.7 * stroke))
    x += 0.7 * x_height
    # t
    stem(x, asc + 0.35 * x_height)
    shapes.append(
        segment(x - 0.35 * x_height, baseline - x_height, x + 0.35 * x_height, baseline - x_height, stroke)
    )
    x += 0.7 * x_height
    # d
    shapes.append(ring(x + r, mid, r, stroke))
    stem(x + 2 * r, asc)
    return shapes


def render(width, height, layers):
    """layers: (colour, shapes), later layers over earlier ones."""
    rows = []
    for py in range(height):
        row = bytearray([0])  # PNG filter: none
        for px in range(width):
            acc = [0.0, 0.0, 0.0, 0.0]
            for sy in range(SAMPLES):
                for sx in range(SAMPLES):
                    x = px + (sx + 0.5) / SAMPLES
                    y = py + (sy + 0.5) / SAMPLES
                    colour = None
                    for fill, shapes in layers:
                        if any(shape(x, y) for shape in shapes):
                            colour = fill
                    if colour is not None:
                        for i in range(3):
                            acc[i] += colour[i]
                        acc[3] += 1
            covered = acc[3]
            if covered:
                row += bytes(round(acc[i] / covered) for i in range(3))
                row.append(round(255 * covered / SAMPLES**2))
            else:
                row += b"\0\0\0\0"
        rows.append(bytes(row))
    return png(width, height, b"".join(rows))


def png(width, height, raw):
    def chunk(kind, data):
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def main():
    out = Path(__file__).resolve().parent / "hassio"
    icon = render(128, 128, [(TEAL, [rounded_square(128, 24)]), (WHITE, house(8, 6, 112))])
    (out / "icon.png").write_bytes(icon)
    logo = render(
        250,
        100,
        [
            (TEAL, [lambda x, y: 6 <= x <= 94 and 6 <= y <= 94 and rounded_square(88, 18)(x - 6, y - 6)]),
            (WHITE, house(12, 10, 76)),
            (INK, wordmark(108, 66, 18, 5)),
        ],
    )
    (out / "logo.png").write_bytes(logo)


if __name__ == "__main__":
    main()
