"""Author profile files: what is used, and the one warning a bad file costs."""

from pathlib import Path
from types import SimpleNamespace

from author_profiles.author_profiles import profiles_for, read_profile
from tests.support import write_files


def profile_file(tmp_path, text):
    write_files(
        tmp_path, {"authors/anna-schmidt.yml": text, "images/anna.svg": "<svg/>"}
    )
    return read_profile(tmp_path / "authors/anna-schmidt.yml", tmp_path, "Anna Schmidt")


def test_complete_profile_is_read_with_whitespace_folded(tmp_path):
    result = profile_file(
        tmp_path,
        """
        name: Anna Schmidt
        role: Leiterin Kundendialog
        bio: >
          Zwei Zeilen
          Text.
        photo: images/anna.svg
        """,
    )
    assert result.problems == []
    assert result.profile == {
        "name": "Anna Schmidt",
        "role": "Leiterin Kundendialog",
        "bio": "Zwei Zeilen Text.",
        "photo": "images/anna.svg",
    }


def test_wrong_fields_are_dropped_and_named(tmp_path):
    result = profile_file(
        tmp_path,
        """
        name: Anna Schmitt
        role: [Leiterin]
        Bio: vertippt
        bio: Kurz.
        photo: https://cdn.example.com/anna.jpg
        """,
    )
    assert result.profile == {"name": "Anna Schmitt", "bio": "Kurz."}
    assert result.problems == [
        "unknown key(s) Bio ignored",
        "role must be text",
        "name 'Anna Schmitt' differs from the articles' 'Anna Schmidt'",
        "photo 'https://cdn.example.com/anna.jpg' must be a path under the "
        "content folder",
    ]


def test_missing_photo_file_is_named(tmp_path):
    result = profile_file(tmp_path, "bio: Kurz.\nphoto: images/fehlt.svg\n")
    assert result.profile == {"bio": "Kurz."}
    assert result.problems[0].startswith("photo 'images/fehlt.svg' does not exist")


def test_unreadable_files_give_no_profile_and_one_message_each(tmp_path):
    write_files(
        tmp_path,
        {
            "authors/anna-schmidt.yml": "bio: [offen\n",
            "authors/jonas-weber.yml": "- eine Liste\n",
        },
    )
    authors = [
        SimpleNamespace(name=name, slug=name.lower().replace(" ", "-"))
        for name in ("Jonas Weber", "Anna Schmidt", "Leyla Demir")
    ]
    profiles, problems = profiles_for(authors, tmp_path / "authors", tmp_path)
    assert profiles == {}
    assert {Path(path).name: messages for path, messages in problems.items()} == {
        "anna-schmidt.yml": [
            "not valid YAML (line 2)",
            "Anna Schmidt is shown without a profile",
        ],
        "jonas-weber.yml": [
            "must be a mapping of name, role, bio, photo",
            "Jonas Weber is shown without a profile",
        ],
        "leyla-demir.yml": ["missing", "Leyla Demir is shown without a profile"],
    }
