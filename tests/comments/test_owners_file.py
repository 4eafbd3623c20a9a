"""The thread-owners file: written piece by piece, the text json.dumps gives."""

import json

import pytest

from comments.staff import owners

THREADS = {
    "/2026/b/": ("Jonas Weber", owners.CATEGORY),
    '/2026/ä "quote"/': ("anna", owners.AUTHOR),
    "/2026/a/": ("leyla", owners.METADATA),
}


@pytest.mark.parametrize("closed", [[], ["/2026/b/", "/2026/a/"]])
@pytest.mark.parametrize("threads", [{}, {"/x/": ("anna", owners.AUTHOR)}, THREADS])
def test_pieces_are_the_sorted_indented_document(threads, closed):
    document = {
        "closed": sorted(closed),
        "format": owners.OWNERS_FORMAT,
        "fallback": "Anna Schmidt",
        "threads": {
            uri: {"owner": owner, "rule": rule}
            for uri, (owner, rule) in threads.items()
        },
    }
    expected = json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True)
    pieces = "".join(owners.thread_owners_pieces("Anna Schmidt", threads, closed))
    assert pieces == expected + "\n"
    assert json.loads(pieces) == document


def test_a_file_is_rewritten_only_when_its_text_changes(tmp_path):
    path = tmp_path / "thread-owners.json"
    assert owners.write_thread_owners(path, "anna", THREADS)
    assert not owners.write_thread_owners(path, "anna", THREADS)
    assert owners.read_thread_owners(path).get("/2026/a/") == ("leyla", owners.METADATA)
    path.write_text(path.read_text(encoding="utf-8") + " ", encoding="utf-8")
    assert owners.write_thread_owners(path, "anna", THREADS)  # a longer file
    assert owners.write_thread_owners(path, "anna", dict(list(THREADS.items())[:2]))
