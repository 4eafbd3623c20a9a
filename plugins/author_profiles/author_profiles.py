"""Author profiles from data files: a short bio, a role and a photo per author.

Each author may have ``<PATH>/<AUTHOR_PROFILES_PATH>/<slug>.yml``
(``content/authors/anna-schmidt.yml``)::

    name: Anna Schmidt
    role: Leiterin Kundenservice
    bio: Anna beantwortet seit 2019 …
    photo: images/autoren/anna-schmidt.svg   # under content/, copied as static

The profiles of the build's authors land in the shared context as
``AUTHOR_PROFILES`` (``{slug: {"name", "role", "bio", "photo"}}``, plain
strings), where the author page and the article's author box find them. A
missing, unreadable or partly wrong file costs one warning naming the file;
the author is then shown with what could be used, never a failed build.

Signals: ``article_generator_finalized`` (all authors are known).
"""

import logging
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pelican import signals
from pelican.plugins._utils import plugin_enabled

from publishing.plugin_setup import plugin_module

logger = logging.getLogger(__name__)

contracts = plugin_module("contracts", __file__)

PLUGIN_NAME = "author_profiles"

DEFAULTS = {
    "AUTHOR_PROFILES_ENABLED": True,
    # Folder of the profile files, relative to PATH (the content folder).
    "AUTHOR_PROFILES_PATH": "authors",
}
FIELDS = ("name", "role", "bio", "photo")


def is_listed(settings):
    """True when this build lists the plugin (receivers are process-wide)."""
    return plugin_enabled(PLUGIN_NAME, settings.get("PLUGINS"))


@dataclass
class ProfileFile:
    """What could be read from one profile file, and what was wrong with it."""

    profile: dict | None
    problems: list[str] = field(default_factory=list)


def read_profile(path, content_root, author_name):
    """Read one profile file; return the usable fields and the problems found."""
    path, content_root = Path(path), Path(content_root)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return ProfileFile(None, ["missing"])
    except (OSError, UnicodeDecodeError) as error:
        return ProfileFile(None, [f"cannot be read ({error})"])
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        return ProfileFile(None, [f"not valid YAML{where}"])
    if not isinstance(data, dict):
        return ProfileFile(None, ["must be a mapping of name, role, bio, photo"])

    problems = []
    unknown = sorted(str(key) for key in data if key not in FIELDS)
    if unknown:
        problems.append(f"unknown key(s) {', '.join(unknown)} ignored")
    profile = {}
    for key in FIELDS:
        value = data.get(key)
        if value is None:
            continue
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{key} must be text")
            continue
        profile[key] = " ".join(value.split())
    if "name" in profile and profile["name"] != author_name:
        problems.append(
            f"name {profile['name']!r} differs from the articles' {author_name!r}"
        )
    if "photo" in profile:
        photo_problem = check_photo(profile["photo"], content_root)
        if photo_problem:
            problems.append(photo_problem)
            del profile["photo"]
    return ProfileFile(profile, problems)


def check_photo(photo, content_root):
    """Return why ``photo`` cannot be shown, or None when it is a local file."""
    if "://" in photo or photo.startswith(("/", "//")) or ".." in Path(photo).parts:
        return f"photo {photo!r} must be a path under the content folder"
    if not (content_root / photo).is_file():
        return f"photo {photo!r} does not exist under {content_root}"
    return None


def profiles_for(authors, folder, content_root):
    """Return ``{slug: profile}`` for ``authors`` and ``{path: problems}``."""
    profiles, problems = {}, {}
    for author in sorted(authors, key=lambda author: author.slug):
        path = Path(folder) / f"{author.slug}.yml"
        result = read_profile(path, content_root, author.name)
        if result.profile is None:
            result.problems.append(f"{author.name} is shown without a profile")
        if result.problems:
            problems[path] = result.problems
        if result.profile:
            profiles[author.slug] = result.profile
    return profiles, problems


def load_profiles(generator):
    """Share the profiles of the build's authors in the generator context."""
    settings = {key: generator.settings.get(key, d) for key, d in DEFAULTS.items()}
    if not (is_listed(generator.settings) and settings["AUTHOR_PROFILES_ENABLED"]):
        return
    content_root = Path(generator.path)
    folder = content_root / settings["AUTHOR_PROFILES_PATH"]
    authors = {
        author
        for article in [*generator.articles, *generator.drafts]
        for author in getattr(article, "authors", ())
    }
    if not folder.is_dir():
        if authors:  # a profile missing costs a warning; so do all of them
            logger.warning(
                "author_profiles: no folder %s (AUTHOR_PROFILES_PATH = %r); "
                "none of the %d authors has a profile",
                folder,
                settings["AUTHOR_PROFILES_PATH"],
                len(authors),
            )
        generator.context[contracts.AUTHOR_PROFILES] = {}
        return
    profiles, problems = profiles_for(authors, folder, content_root)
    for path, messages in problems.items():
        logger.warning("author_profiles: %s: %s", path, "; ".join(messages))
    generator.context[contracts.AUTHOR_PROFILES] = profiles


def register():
    """Connect the receiver."""
    signals.article_generator_finalized.connect(load_profiles)
