"""A web page in the user's browser cannot use the server: foreign Host (DNS rebinding) and
Origin are refused, internal handlers cannot be called by fn_index from outside the app's
page, MCP is behind the same password (and works with it), logins are rate-limited and weak
tokens refused."""

from __future__ import annotations

import asyncio
import importlib.util
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from egobutler.ui.errors import UiError

STRONG_TOKEN = "k3Yq-8vLr2Wz_PdN5tXe"  # 20 characters, test-only


def _fn_index(demo, api_name: str) -> int:
    return next(i for i, fn in demo.fns.items() if fn.api_name == api_name)


def test_a_foreign_host_header_is_refused(launched_ui) -> None:
    port = urlsplit(launched_ui.url).port
    assert httpx.get(launched_ui.url, timeout=30).status_code == 200
    rebound = httpx.get(launched_ui.url, headers={"Host": f"attacker.example:{port}"}, timeout=30)
    assert rebound.status_code == 403 and "Host" in rebound.text
    search = httpx.post(f"{launched_ui.url}/gradio_api/call/search", json={"data": ["screwdriver"]},
                        headers={"Host": f"attacker.example:{port}"}, timeout=30)
    assert search.status_code == 403


def test_a_foreign_origin_is_refused(launched_ui) -> None:
    for origin in ("https://attacker.example", "http://127.0.0.1:1", "null"):  # another site, another local app
        response = httpx.post(f"{launched_ui.url}/gradio_api/call/search", json={"data": ["screwdriver"]},
                              headers={"Origin": origin}, timeout=30)
        assert response.status_code == 403, origin
    navigation_ok = httpx.get(launched_ui.url, headers={"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"},
                              timeout=30)
    assert navigation_ok.status_code == 200  # following a link to the app still opens it
    fetch = httpx.get(f"{launched_ui.url}/config", headers={"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "cors"},
                      timeout=30)
    assert fetch.status_code == 403


def test_an_internal_handler_cannot_be_called_by_fn_index_from_outside(launched_ui) -> None:
    rename = _fn_index(launched_ui.demo, "rename_person")
    body = {"data": ["spk-3", "Mallory"], "fn_index": rename, "session_hash": "outsider", "event_data": None,
            "trigger_id": None}
    joined = httpx.post(f"{launched_ui.url}/gradio_api/queue/join", json=body, timeout=30)
    assert joined.status_code == 403
    smuggled = httpx.post(f"{launched_ui.url}/gradio_api/run/search", json=body, timeout=30)
    assert smuggled.status_code == 403  # a public name with an internal fn_index
    by_name = httpx.post(f"{launched_ui.url}/gradio_api/call/rename_person", json={"data": ["spk-3", "Mallory"]},
                         timeout=30)
    assert by_name.status_code == 403
    assert launched_ui.store.get_person("spk-3").name != "Mallory"


def test_the_public_api_still_answers_scripts(ui_client) -> None:
    found = ui_client.predict("screwdriver", api_name="/search")
    assert found and "screwdriver" in str(found).lower()


def test_weak_passwords_and_tokens_are_refused() -> None:
    from egobutler.ui.launch import check_bind

    with pytest.raises(UiError, match="too weak"):
        check_bind("0.0.0.0", auth_token="hunter2")
    with pytest.raises(UiError, match="too weak"):
        check_bind("127.0.0.1", auth=["ann:aaaaaaaaaaaaaaaaaaaa"])
    assert check_bind("0.0.0.0", auth_token=STRONG_TOKEN) is not None


def _tiny_app():
    import gradio as gr

    from egobutler.ui.guard import PUBLIC_API

    assert "search" in PUBLIC_API
    with gr.Blocks(analytics_enabled=False) as demo:
        gr.Markdown("hello")

        def search(query: str) -> list[str]:
            """Search the memory.

            Args:
                query: what to look for
            """
            return [f"found {query}"]

        gr.api(search, api_name="search")
    return demo


@pytest.fixture
def token_app(tmp_path):
    from egobutler.ui.launch import launch_app

    demo = _tiny_app()
    media = tmp_path / "media"
    url = launch_app(demo, media_dir=media, port=0, auth_token=STRONG_TOKEN, block=False, quiet=True,
                     mcp_server=importlib.util.find_spec("mcp") is not None)
    yield url.rstrip("/")
    demo.close()


def test_logins_are_rate_limited(token_app) -> None:
    with httpx.Client(base_url=token_app, timeout=30) as client:
        codes = [client.post("/login", data={"username": "x", "password": f"guess-{i}"}).status_code for i in range(8)]
        assert codes[:5] == [400] * 5 and set(codes[5:]) == {429}
        # even the right token waits out the window once the limit is hit
        assert client.post("/login", data={"username": "x", "password": STRONG_TOKEN}).status_code == 429


@pytest.mark.slow
def test_mcp_needs_the_token_and_works_with_it(token_app) -> None:
    if importlib.util.find_spec("mcp") is None:
        pytest.skip("the MCP server needs the `mcp` package (pip install 'mcp>=1.21,<2')")
    from mcp import ClientSession
    from mcp.client.streamable_http import streamablehttp_client

    assert httpx.get(f"{token_app}/gradio_api/mcp/schema", timeout=30).status_code == 401
    listing = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    assert httpx.post(f"{token_app}/gradio_api/mcp/", json=listing, timeout=30).status_code == 401
    bearer = {"Authorization": f"Bearer {STRONG_TOKEN}"}
    tools = httpx.get(f"{token_app}/gradio_api/mcp/schema", headers=bearer, timeout=30).json()
    assert "search" in {tool["name"] for tool in tools}

    async def call(headers: dict) -> str:
        async with streamablehttp_client(f"{token_app}/gradio_api/mcp/", headers=headers) as (read, write, _):
            async with ClientSession(read, write) as session:
                await session.initialize()
                result = await session.call_tool("search", {"query": "keys"})
                return " ".join(getattr(part, "text", "") for part in result.content)

    assert "found keys" in asyncio.run(asyncio.wait_for(call(bearer), 60))
