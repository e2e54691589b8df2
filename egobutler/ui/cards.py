"""Evidence and clip cards as HTML. Every piece of memory text is escaped: memory is data.

Media (thumbnails, clip videos) is referenced through Gradio's file route, which serves only
the media dir (``allowed_paths``); a path that resolves outside it gets no URL at all.
Clips are played with a W3C media fragment (``#t=start,end``): the browser seeks to the
moment and stops at the clip's end, with no server-side trimming.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from egobutler.ui.timefmt import Clock

if TYPE_CHECKING:
    from egobutler.egorag.records import Evidence

# JS run once when a card list renders: a click (or Enter) on a card sends its index to Python.
CARD_CLICK_JS = """
const send = (target) => {
  const card = target.closest('[data-card]');
  if (card) { trigger('click', {index: Number(card.dataset.card)}); }
};
element.addEventListener('click', (e) => send(e.target));
element.addEventListener('keydown', (e) => { if (e.key === 'Enter') { send(e.target); } });
"""

CARD_CSS = """
.eb-cards { display: flex; flex-direction: column; gap: 8px; }
.eb-card { display: flex; gap: 10px; padding: 8px; border: 1px solid var(--border-color-primary);
  border-radius: 8px; cursor: pointer; background: var(--background-fill-secondary); }
.eb-card:hover, .eb-card:focus { border-color: var(--color-accent); outline: none; }
.eb-card img, .eb-card .eb-nothumb { width: 112px; height: 84px; object-fit: cover; border-radius: 6px;
  flex: none; background: var(--background-fill-primary); }
.eb-card .eb-nothumb { display: flex; align-items: center; justify-content: center; font-size: 11px;
  color: var(--body-text-color-subdued); }
.eb-card .eb-body { min-width: 0; font-size: 13px; }
.eb-card .eb-title { font-weight: 600; }
.eb-card .eb-sub { color: var(--body-text-color-subdued); font-size: 12px; }
.eb-card ul { margin: 4px 0 0 0; padding: 0; list-style: none; }
.eb-card li { margin: 1px 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.eb-card .eb-t { color: var(--body-text-color-subdued); font-family: monospace; font-size: 11px; }
.eb-card .eb-k { font-size: 10px; text-transform: uppercase; padding: 0 4px; border-radius: 4px;
  background: var(--background-fill-primary); }
.eb-empty { color: var(--body-text-color-subdued); padding: 8px; }
.eb-player video { width: 100%; max-height: 220px; border-radius: 8px; background: #000; }
"""


@dataclass(frozen=True)
class CardLine:
    time: str
    kind: str
    text: str
    speaker: str | None = None


@dataclass(frozen=True)
class Card:
    """One clip as shown: a title (who/when), a subtitle, its lines and a thumbnail URL."""

    title: str
    subtitle: str
    lines: tuple[CardLine, ...]
    thumbnail_url: str | None = None


def media_file(media_dir: Path, path: str | Path | None) -> Path | None:
    """The existing file ``path`` (relative to the media dir, or absolute) if it lies inside it."""
    if not path:
        return None
    root = Path(media_dir).resolve()
    candidate = Path(path)
    candidate = (candidate if candidate.is_absolute() else root / candidate).resolve()
    if not candidate.is_relative_to(root) or not candidate.is_file():
        return None
    return candidate


def media_url(path: Path) -> str:
    """URL of a media file through Gradio's file route (relative, so a root path still works)."""
    return "gradio_api/file=" + quote(str(path), safe="/")


def evidence_card(evidence: Evidence, clock: Clock, media_dir: Path, max_lines: int = 6) -> Card:
    """A card for one piece of evidence: wearer, day and time, speakers, the quoted lines."""
    lines = tuple(
        CardLine(clock.hms(line.start), line.kind, line.text, line.speaker)
        for line in evidence.lines[:max_lines]
    )
    speakers = sorted({line.speaker for line in evidence.lines if line.speaker})
    subtitle = f"wearer {evidence.wearer_id}"
    if speakers:
        subtitle += " · speakers: " + ", ".join(speakers)
    subtitle += f" · score {evidence.score:.2f}"
    thumb = media_file(media_dir, evidence.thumbnail_path)
    return Card(
        title=clock.span(evidence.start, evidence.end),
        subtitle=subtitle,
        lines=lines,
        thumbnail_url=media_url(thumb) if thumb else None,
    )


def cards_html(cards: Sequence[Card], *, empty: str = "No evidence yet.") -> str:
    """The card list; every text is escaped, each card carries its index for clicks."""
    if not cards:
        return f'<div class="eb-empty">{html.escape(empty)}</div>'
    parts = ['<div class="eb-cards">']
    for index, card in enumerate(cards):
        parts.append(_card_html(index, card))
    parts.append("</div>")
    return "".join(parts)


def _card_html(index: int, card: Card) -> str:
    esc = html.escape
    if card.thumbnail_url:
        thumb = f'<img src="{esc(card.thumbnail_url)}" alt="" loading="lazy">'
    else:
        thumb = '<div class="eb-nothumb">no image</div>'
    items = []
    for line in card.lines:
        speaker = f"<b>{esc(line.speaker)}:</b> " if line.speaker else ""
        items.append(
            f'<li><span class="eb-t">{esc(line.time)}</span> <span class="eb-k">{esc(line.kind)}</span> '
            f'{speaker}<span class="eb-x">{esc(line.text)}</span></li>'
        )
    return (
        f'<div class="eb-card" data-card="{index}" role="button" tabindex="0" '
        f'title="Play this moment">{thumb}<div class="eb-body">'
        f'<div class="eb-title">{esc(card.title)}</div><div class="eb-sub">{esc(card.subtitle)}</div>'
        f'<ul>{"".join(items)}</ul></div></div>'
    )


def player_html(video: Path | None, start_s: float, end_s: float, caption: str) -> str:
    """A video player that starts at ``start_s`` and stops at ``end_s`` (a ``#t=`` media fragment)."""
    esc = html.escape
    if video is None:
        return f'<div class="eb-empty">{esc(caption)} — no video was kept for this clip, only its memory lines.</div>'
    start_s, end_s = max(0.0, start_s), max(start_s, end_s)
    src = f"{media_url(video)}#t={start_s:.2f},{end_s:.2f}"
    return (
        f'<div class="eb-player"><video controls autoplay preload="metadata" src="{esc(src)}"></video>'
        f'<div class="eb-sub">{esc(caption)}</div></div>'
    )


def audio_html(media: Path | None, start_s: float, end_s: float) -> str:
    """An audio player for one utterance span of a clip's video file, or nothing."""
    if media is None:
        return ""
    src = f"{media_url(media)}#t={max(0.0, start_s):.2f},{max(start_s, end_s):.2f}"
    return f'<audio controls preload="none" src="{html.escape(src)}"></audio>'
