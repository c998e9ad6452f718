"""The console's pages and fragments with the test client (the browser test drives them for
real), the sign-in cookie, and the vendored scripts' checksums."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from streamwise.api.auth import COOKIE
from tests.streamwise.api._world import TOKENS, Model, build, closing, settings_for

VENDOR = Path(__file__).resolve().parents[3] / "streamwise" / "api" / "static" / "vendor"


@pytest.fixture(scope="module")
def model() -> Model:
    return Model()


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, seeded_template: Path,
           model: Model) -> Iterator[Any]:
    settings = settings_for(tmp_path_factory.mktemp("console"), seeded_template)
    yield from closing(build(settings, model, customers={"u_c": "cust"}))


def signed_in(client: Any, token: str) -> None:
    client.cookies.clear()
    answer = client.post("/console/login", data={"token": token}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/console/"
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie


def test_the_vendored_scripts_are_the_ones_the_readme_names() -> None:
    readme = (VENDOR / "README.md").read_text()
    files = sorted(VENDOR.glob("*.js"))
    assert len(files) == 4
    for f in files:
        digest = hashlib.sha256(f.read_bytes()).hexdigest()
        assert f"{digest}  {f.name}" in readme, f.name


def test_pages_need_a_sign_in_and_a_bad_token_is_refused(client: Any) -> None:
    client.cookies.clear()
    assert client.get("/", follow_redirects=False).headers["location"] == "/console/"
    gone = client.get("/console/approvals", follow_redirects=False)
    assert gone.status_code == 303 and gone.headers["location"] == "/console/login"
    refused = client.post("/console/login", data={"token": "nope"})
    assert refused.status_code == 401 and "not valid" in refused.text
    assert "nope" not in refused.text


def test_each_role_sees_its_pages_and_gets_403_elsewhere(client: Any) -> None:
    signed_in(client, "cust")
    chat = client.get("/console/chat")
    assert chat.status_code == 200 and re.findall(r'<a href="/console/(\w*)"', chat.text) == [
        "chat"]
    assert client.get("/console/approvals").status_code == 403
    assert client.get("/console/dlq").status_code == 403
    signed_in(client, TOKENS["analyst"])
    assert client.get("/console/analyst").status_code == 200
    assert client.get("/console/approvals").status_code == 403
    refused = client.post("/console/approvals/chat:x", data={"decision": "approve"})
    assert refused.status_code == 403
    signed_in(client, TOKENS["operator"])
    for name in ("", "chat", "approvals", "traces", "analyst", "traces/none"):
        assert client.get(f"/console/{name}").status_code == 200, name
    # The cookie stands in for the bearer token on the API too (the pages' scripts use it).
    assert client.get("/v1/approvals").status_code == 200


def test_fragments_say_what_went_wrong(client: Any) -> None:
    signed_in(client, TOKENS["operator"])
    unknown = client.post("/console/approvals/chat:none", data={"decision": "approve"})
    assert unknown.status_code == 404 and "chat:none" in unknown.text
    bad = client.post("/console/approvals/chat:none", data={"decision": "perhaps"})
    assert bad.status_code == 422 and "approve" in bad.text
    empty = client.post("/console/ask", data={"question": " "})
    assert empty.status_code == 422 and "Ask a question" in empty.text
    no_broker = client.get("/console/dlq")
    assert no_broker.status_code == 200 and "no broker is configured" in no_broker.text
    redrive = client.post("/console/dlq/tickets/redrive", data={"record": "zero"})
    assert redrive.status_code == 422 and "PARTITION:OFFSET" in redrive.text


def test_the_analyst_fragment_carries_the_chart_for_vega_embed(client: Any, model: Model) -> None:
    import html
    import json

    signed_in(client, TOKENS["analyst"])
    model.by_region()
    answer = client.post("/console/ask", data={"question": "Units sold per region last month"})
    assert answer.status_code == 200
    spec = json.loads(html.unescape(re.search(r'data-spec="([^"]*)"', answer.text)[1]))  # type: ignore[index]
    assert spec["mark"] == "bar" and len(spec["data"]["values"]) == 6
    assert answer.text.count("<tr>") == 7  # the header and six rows
    page = client.get("/console/analyst").text
    for script in ("vega-6.4.0", "vega-lite-6.5.0", "vega-embed-7.3.0"):
        assert f"/static/vendor/{script}.min.js" in page
        assert client.get(f"/static/vendor/{script}.min.js").status_code == 200


def test_sign_out_clears_the_cookie(client: Any) -> None:
    signed_in(client, TOKENS["operator"])
    out = client.post("/console/logout", follow_redirects=False)
    assert out.status_code == 303 and f'{COOKIE}=""' in out.headers["set-cookie"]
