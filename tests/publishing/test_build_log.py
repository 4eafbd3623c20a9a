"""A build whose output is not a terminal logs one plain line per message."""

from tests.support import ROOT, run_alone, write_files

LONG_NAME = "ein-beitrag-mit-einem-sehr-langen-dateinamen-der-bei-80-spalten-bricht"


def test_a_warning_names_its_file_whole_on_one_line_in_a_captured_log(tmp_path):
    write_files(
        tmp_path / "content",
        {f"articles/{LONG_NAME}.md": "Title: Kaputt\nDate: gestern\n\nText.\n"},
    )
    output = run_alone(
        f"""
        from publishing.site_build import pelican_build

        pelican_build(
            {str(ROOT / "pelicanconf.py")!r},
            PATH={str(tmp_path / "content")!r},
            OUTPUT_PATH={str(tmp_path / "out")!r},
            CACHE_PATH={str(tmp_path / "cache")!r},
            COMMENTS_DATABASE={str(tmp_path / "comments.db")!r},
            COMMENTS_SNAPSHOT_DIR={str(tmp_path / "snapshots")!r},
        )
        """
    )
    [line] = [line for line in output.splitlines() if "Could not process" in line]
    assert line == (
        f"ERROR: Could not process articles/{LONG_NAME}.md: "
        "'gestern' is not a valid date"
    )
