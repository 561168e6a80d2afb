"""Server-side SVG charts (no JavaScript library): a horizontal bar chart, escaped, accessible."""

from __future__ import annotations

from html import escape

ROW, LABEL_W, BAR_W, PAD = 22, 190, 260, 6


def bar_chart(title: str, pairs: list[tuple[str, float]], chart_id: str, unit: str = "") -> str:
    """An inline <svg> of horizontal bars, one per (label, value), with the values written out."""
    pairs = list(pairs)
    top = max((value for _, value in pairs), default=0) or 1
    height = PAD * 2 + ROW * max(len(pairs), 1) + 20
    width = LABEL_W + BAR_W + 70
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" role="img" '
             f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" aria-labelledby="{escape(chart_id)}-t">',
             f'<title id="{escape(chart_id)}-t">{escape(title)}</title>',
             f'<text x="0" y="14" font-size="13" font-weight="bold">{escape(title)}</text>']
    if not pairs:
        parts.append('<text x="0" y="36" font-size="12" fill="#5b6670">—</text>')
    for index, (name, value) in enumerate(pairs):
        y = 20 + PAD + index * ROW
        bar = max(1, round(BAR_W * value / top)) if value else 0
        shown = f"{value:g}{unit}"
        parts.append(f'<g class="bar"><text x="{LABEL_W - 6}" y="{y + 14}" font-size="12" text-anchor="end">'
                     f'{escape(str(name)[:30])}</text>'
                     f'<rect x="{LABEL_W}" y="{y + 3}" width="{bar}" height="{ROW - 8}" fill="#b3541e"/>'
                     f'<text x="{LABEL_W + bar + 4}" y="{y + 14}" font-size="12">{escape(shown)}</text></g>')
    parts.append("</svg>")
    return "".join(parts)
