"""The leak check refuses a site that carries the live preview's script."""

from publishing.leaks import Finding, find_leaks
from publishing.live.server import inject_script, reload_tag


def test_a_page_saved_from_the_preview_is_refused(tmp_path):
    page = tmp_path / "2026" / "beitrag" / "index.html"
    page.parent.mkdir(parents=True)
    page.write_bytes(
        inject_script(b"<html><head></head><body></body></html>", reload_tag(3))
    )
    (tmp_path / "index.html").write_text("<html><head></head></html>")
    assert find_leaks(tmp_path) == [
        Finding(
            "2026/beitrag/index.html",
            "line 1: the live preview's reload script (/__preview__/); publish a build",
        )
    ]
