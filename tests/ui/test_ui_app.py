"""The launched app through `gradio_client` and plain HTTP: answers with evidence, filters,
people edits that persist, and a file route that serves only the media dir."""

from __future__ import annotations

from urllib.parse import quote

import httpx
import pytest

from egobutler.memory_db.store import MemoryStore


def _lines(evidence: list[dict]) -> str:
    return "\n".join(line["text"] for item in evidence for line in item["lines"])


def test_ask_returns_the_answer_and_the_moments_it_came_from(ui_client, launched_ui) -> None:
    result = ui_client.predict(question="Where did I put the screwdriver?", api_name="/ask")
    assert "drawer by the sink" in result["answer"]
    assert result["evidence"], "an answer must cite evidence"
    assert "screwdriver" in _lines(result["evidence"]).lower()
    shelf = [e for e in result["evidence"] if "hand me the screwdriver" in _lines([e])]
    assert shelf and shelf[0]["wearer_id"] == "jake" and shelf[0]["start"] == "2025-01-01T11:09:00+00:00"
    assert shelf[0]["has_thumbnail"] and shelf[0]["has_video"]
    assert result["trace"]["queries"]
    # the fake LLM saw the evidence it cites
    assert any("screwdriver" in m.content for m in launched_ui.llm.prompts[-1])


def test_filters_change_what_is_found(ui_client) -> None:
    everyone = ui_client.predict(query="tulips", api_name="/search")
    assert {e["wearer_id"] for e in everyone} == {"jake", "alice"}
    only_alice = ui_client.predict(query="tulips", wearer="alice", api_name="/search")
    assert only_alice and {e["wearer_id"] for e in only_alice} == {"alice"}
    day_one = ui_client.predict(query="tulips", end="2025-01-01", api_name="/search")
    assert all(e["start"].startswith("2025-01-01") for e in day_one)
    with_tasha = ui_client.predict(query="tulips", people=["Tasha"], api_name="/search")
    assert with_tasha and all(any(ln["speaker"] == "Tasha" for ln in e["lines"]) for e in with_tasha)
    before_lunch = ui_client.predict(query="noodles", as_of="DAY1 12:00", api_name="/search")
    assert not any("noodles" in _lines([e]) for e in before_lunch)


def test_a_bad_date_is_reported_not_hidden(ui_client) -> None:
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="cannot read the time"):
        ui_client.predict(query="tulips", start="next tuesday", api_name="/search")


def test_timeline_lists_days_hours_and_clips(ui_client) -> None:
    days = ui_client.predict(api_name="/timeline")["days"]
    assert [d["day"] for d in days] == ["2025-01-01", "2025-01-02"]
    assert days[0]["label"].startswith("DAY1")
    hours = ui_client.predict(day="2025-01-01", api_name="/timeline")
    assert "screwdriver" in hours["summary"] and [h["hour"] for h in hours["hours"]] == [11, 13]
    clips = ui_client.predict(day="2025-01-01", hour=11, api_name="/timeline")["clips"]
    assert len(clips) == 3 and "screwdriver" in clips[0]["text"]


def test_renaming_a_person_persists_in_the_memory(ui_client, launched_ui, tmp_path) -> None:
    people = {p["id"]: p for p in ui_client.predict(api_name="/people")}
    assert people["spk-3"]["name"] is None
    from gradio_client import Client

    # Renaming is an internal handler of the app's page: only a request from that page (its Origin) may call it.
    page = Client(launched_ui.url, verbose=False, headers={"Origin": launched_ui.url})
    page.predict("spk-3", "Bob", api_name="/rename_person")
    assert {p["id"]: p for p in ui_client.predict(api_name="/people")}["spk-3"]["name"] == "Bob"
    reopened = MemoryStore.open(launched_ui.db_url, tmp_path / "media")
    try:
        assert reopened.get_person("spk-3").name == "Bob"
    finally:
        reopened.close()


@pytest.mark.parametrize("path", [
    "/etc/passwd",
    "{media}/../not-media.txt",
    "{media}/../memory.db",
    "{media}/thumbs/../../not-media.txt",
    "{media_q}%2F..%2F..%2Fnot-media.txt",
])
def test_the_file_route_serves_nothing_outside_the_media_dir(launched_ui, path: str) -> None:
    target = path.format(media=launched_ui.media_dir, media_q=quote(str(launched_ui.media_dir / "thumbs"), safe=""))
    response = httpx.get(f"{launched_ui.url}/gradio_api/file={target}", timeout=30)
    assert response.status_code in (403, 404), response.text[:200]
    assert "private" not in response.text and "root:" not in response.text


def test_the_file_route_serves_media(launched_ui) -> None:
    thumb = launched_ui.media_dir / "thumbs" / "jake-0.jpg"
    response = httpx.get(f"{launched_ui.url}/gradio_api/file={thumb}", timeout=30)
    assert response.status_code == 200 and response.content[:2] == b"\xff\xd8"  # a JPEG


def test_named_endpoints_are_the_public_api(ui_client) -> None:
    names = set(ui_client.view_api(print_info=False, return_format="dict")["named_endpoints"])
    assert {"/ask", "/search", "/timeline", "/people"} <= names


def test_mcp_serves_the_same_four_tools(launched_ui) -> None:
    import importlib.util

    if importlib.util.find_spec("mcp") is None:
        pytest.skip("the MCP server needs the `mcp` package (pip install 'mcp>=1.21,<2')")
    tools = httpx.get(f"{launched_ui.url}/gradio_api/mcp/schema", timeout=30).json()
    names = {tool["name"] for tool in tools}
    assert {"ask", "search", "timeline", "people"} <= names
    assert not any("rename" in name for name in names), "MCP tools only read the memory"
