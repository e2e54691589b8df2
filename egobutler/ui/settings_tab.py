"""The settings screen: what is in use (backends, models, data dir, versions), read-only."""

from __future__ import annotations

import gradio as gr

from egobutler.ui.services import Loader, UiServices


def settings_rows(services: UiServices) -> list[list[str]]:
    """(setting, value) rows from the app's settings view, then the memory's counts."""
    view = dict(services.settings_view()) if services.settings_view else {}
    view.setdefault("media dir", str(services.media_dir))
    view.setdefault("time zone", services.clock.timezone)
    rows = [[str(k), "(hidden)" if _secret(str(k)) and v else _text(v)] for k, v in view.items()]
    rows += [[f"memory: {k}", str(v)] for k, v in services.store.counts().items()]
    return rows


def _secret(name: str) -> bool:
    """Settings whose values must never be shown (the app's view should leave them out anyway)."""
    name = name.lower().replace(" ", "_")
    return name == "auth" or name.endswith(("key", "token", "password", "secret"))


def _text(value: object) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


def build_settings(services: UiServices) -> Loader:
    gr.Markdown("Read-only. Change settings in `egobutler.toml` in the data dir or with `EGOBUTLER_*` "
                "variables, then restart `egobutler serve`.")
    table = gr.Dataframe(headers=["setting", "value"], label="In use", interactive=False, wrap=True,
                         elem_id="eb-settings", max_height=900)
    return Loader(lambda: settings_rows(services), [], [table])
