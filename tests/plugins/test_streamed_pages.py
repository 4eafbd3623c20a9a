"""The transparency page written piece by piece: as Pelican's writer writes it."""

import jinja2
import pytest
from pelican.settings import DEFAULT_CONFIG
from pelican.writers import FileOverwriteFailedError, Writer

from publishing.streamed import write_streamed

TEMPLATES = {
    "page.html": (
        "<a href='{{ SITEURL }}/x'>{{ output_file }}</a>"
        "{% for item in items %}<li>{{ item }}</li>{% endfor %}"
    ),
    "broken.html": "<p>{{ items[0] }}</p>{{ 1 / 0 }}",
}


@pytest.fixture
def templates():
    return jinja2.Environment(loader=jinja2.DictLoader(TEMPLATES))


def writer_for(path):
    return Writer(str(path), settings=dict(DEFAULT_CONFIG))


@pytest.mark.parametrize("relative_urls", [False, True])
def test_streamed_page_equals_what_pelicans_writer_writes(
    tmp_path, templates, relative_urls
):
    items = ["Grüße", "…", "<b>"] * 1000
    context = {"SITEURL": "https://blog.example"}
    name = "answered/index.html"
    writer_for(tmp_path / "pelican").write_file(
        name,
        templates.get_template("page.html"),
        dict(context),
        relative_urls=relative_urls,
        items=items,
    )
    write_streamed(
        writer_for(tmp_path / "streamed"),
        name,
        templates.get_template("page.html"),
        dict(context),
        relative_urls=relative_urls,
        items=items,
    )
    expected = (tmp_path / "pelican" / name).read_bytes()
    assert (tmp_path / "streamed" / name).read_bytes() == expected
    assert (b"../x" in expected) == relative_urls


def test_a_file_written_before_is_not_overwritten(tmp_path, templates):
    writer = writer_for(tmp_path)
    template = templates.get_template("page.html")
    writer.write_file("answered/index.html", template, {}, items=["erste"])
    with pytest.raises(FileOverwriteFailedError):
        write_streamed(writer, "answered/index.html", template, {}, items=["zweite"])
    assert "erste" in (tmp_path / "answered" / "index.html").read_text()


def test_a_template_error_leaves_no_half_written_page(tmp_path, templates):
    with pytest.raises(ZeroDivisionError):
        write_streamed(
            writer_for(tmp_path),
            "answered/index.html",
            templates.get_template("broken.html"),
            {},
            items=["schon geschrieben"],
        )
    assert not (tmp_path / "answered" / "index.html").exists()
