"""The Content-Security-Policy: scripts, styles and everything else from this origin only, nothing inline, no frames.
It holds because the pages carry no inline script, style or event handler: checked on the templates themselves."""

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in header.split(";") if part.strip())}


def test_every_page_carries_a_strict_policy(signed_in, steward, pair):
    golden_id = pair[0]
    client = signed_in(steward)
    for path in ["/", "/review/", f"/review/{pair[2].pk}/", f"/customers/{golden_id}/", "/sync/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        policy = _policy(response)
        assert policy["default-src"] == ["'self'"]
        assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"], path
        assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
        assert policy["base-uri"] == ["'none'"] and policy["form-action"] == ["'self'"]
    assert "Content-Security-Policy" in client.get("/login/")


def test_the_policy_covers_the_api_and_error_pages(client, signed_in, steward):
    assert "Content-Security-Policy" in client.get("/api/v1/customers/")
    assert "Content-Security-Policy" in signed_in(steward).get("/customers/00000000-0000-0000-0000-000000000000/")


@pytest.mark.parametrize("template", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_templates_carry_no_inline_script_style_or_handler(template):
    html = template.read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "an inline <script>: move it to static/js"
    assert "<style" not in html, "an inline <style>: move it to static/css"
    assert not re.search(r"\sstyle=", html), "a style attribute: use a class, or a data attribute steward.js reads"
    assert not re.search(r"\s(on[a-z]+|hx-on[:\w-]*)=", html), "an inline event handler: use steward.js"


def test_bars_get_their_length_from_a_data_attribute(signed_in, steward, pair):
    html = signed_in(steward).get(f"/review/{pair[2].pk}/").content.decode()
    assert re.search(r'data-share="\d+', html) and "style=" not in html


def test_the_api_docs_load_their_script_and_styles_from_urls(signed_in, steward):
    response = signed_in(steward).get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) and "<style" not in html
    script = re.search(r'<script src="(/api/docs/\?[^"]*script[^"]*)"', html)
    assert script, html
    js = signed_in(steward).get(script.group(1).replace("&amp;", "&"))
    assert js.status_code == 200 and "SwaggerUIBundle" in js.content.decode()
