"""The Gradio app: one ``gr.Blocks`` with the chat, timeline, people, ingest and settings screens."""

from __future__ import annotations

import gradio as gr

from egobutler.ui.api import register_api
from egobutler.ui.chat import build_chat, refresh_filters
from egobutler.ui.ingest_tab import build_ingest
from egobutler.ui.people import build_people
from egobutler.ui.services import UiServices
from egobutler.ui.settings_tab import build_settings
from egobutler.ui.timeline import build_timeline

CSS = """
.eb-header h1 { margin: 0; font-size: 1.4em; }
.eb-header p { margin: 0; color: var(--body-text-color-subdued); }
"""


def build_app(services: UiServices) -> gr.Blocks:
    """Build the whole UI over ``services`` (launch it with `egobutler.ui.launch.launch_app`)."""
    with gr.Blocks(title=services.title, analytics_enabled=False, fill_width=True) as demo:
        gr.Markdown(f"# {services.title}\nAsk about your day. Every answer shows the moments it came from.",
                    elem_classes=["eb-header"])
        with gr.Tabs(selected="chat") as tabs:
            with gr.Tab("Chat", id="chat", elem_id="eb-tab-chat") as chat_tab:
                chat = build_chat(services)
            with gr.Tab("Timeline", id="timeline", elem_id="eb-tab-timeline") as timeline_tab:
                timeline = build_timeline(services, chat, tabs)
            with gr.Tab("People", id="people", elem_id="eb-tab-people") as people_tab:
                people = build_people(services)
            with gr.Tab("Ingest", id="ingest", elem_id="eb-tab-ingest") as ingest_tab:
                ingest, ingest_timer = build_ingest(services)
            with gr.Tab("Settings", id="settings", elem_id="eb-tab-settings") as settings_tab:
                settings = build_settings(services)
        # The ingest status polls the memory only while its tab is shown.
        ingest_tab.select(lambda: gr.Timer(active=True), None, ingest_timer, api_visibility="private")
        ingest_tab.select(ingest.fn, ingest.inputs, ingest.outputs, api_visibility="private")
        for other in (chat_tab, timeline_tab, people_tab, settings_tab):
            other.select(lambda: gr.Timer(active=False), None, ingest_timer, api_visibility="private")
        # Each screen shows the memory as it is when opened (ingestion may have added to it).
        people_tab.select(people.fn, people.inputs, people.outputs, api_visibility="private")
        settings_tab.select(settings.fn, settings.inputs, settings.outputs, api_visibility="private")
        register_api(services)
        demo.load(lambda: refresh_filters(services), None, [chat.people, chat.wearer], api_visibility="private")
        for loader in (timeline, people, ingest, settings):
            demo.load(loader.fn, loader.inputs, loader.outputs, api_visibility="private")
    return demo
